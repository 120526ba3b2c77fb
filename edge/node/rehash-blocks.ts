import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { ImportTarget } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { MultihashHasher } from 'multiformats/hashes/interface'

interface Rehashed {
  cid: CID
  /** The block's bytes plus those of everything under it (a dag-pb link's Tsize) */
  dagSize: number
}

/**
 * ipfs-unixfs-importer (17.x) hashes every block with sha2-256 and takes no
 * other hasher, so this adapter sits between it and the blockstore: each
 * block is hashed again with `hasher`, and a dag-pb node has its links
 * pointed at its children's new CIDs (and their sizes recounted) before it is
 * hashed. The importer writes children before their parents, so every link
 * is known by the time its parent arrives. Only the rehashed blocks are
 * stored; `cidOf` turns the importer's CIDs (its root) into the stored ones.
 *
 * Holds one entry per distinct block of the import (a CID and a number):
 * a parent may link to any block written before it.
 */
export class RehashingTarget {
  private readonly renamed = new Map<string, Rehashed>()
  private readonly target: Pick<ImportTarget, 'put'>
  private readonly hasher: MultihashHasher

  constructor (target: Pick<ImportTarget, 'put'>, hasher: MultihashHasher) {
    this.target = target
    this.hasher = hasher
  }

  async put (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<CID> {
    const known = this.renamed.get(cid.toString())
    if (known != null) {
      return known.cid
    }
    let block = bytes
    let dagSize = bytes.byteLength
    if (cid.code === dagPb.code) {
      const node = dagPb.decode(bytes)
      let below = 0
      const Links = node.Links.map(link => {
        const child = this.lookup(link.Hash)
        below += child.dagSize
        return { ...link, Hash: child.cid, Tsize: child.dagSize }
      })
      // links keep their order (already sorted by name, as dag-pb requires)
      block = dagPb.encode({ ...node, Links })
      dagSize = block.byteLength + below
    } else if (cid.code !== raw.code) {
      throw new Error(`cannot rehash a block of codec 0x${cid.code.toString(16)}`)
    }
    const rehashed = CID.create(cid.version, cid.code, await this.hasher.digest(block))
    await this.target.put(rehashed, block, options)
    this.renamed.set(cid.toString(), { cid: rehashed, dagSize })
    return rehashed
  }

  /** The CID a block the importer named `cid` was stored under. */
  cidOf (cid: CID): CID {
    return this.lookup(cid).cid
  }

  private lookup (cid: CID): Rehashed {
    const found = this.renamed.get(cid.toString())
    if (found == null) {
      // the importer writes a child before the parent that links to it; anything else is a bug, not bad input
      throw new Error(`block ${cid} was linked before it was written`)
    }
    return found
  }
}
