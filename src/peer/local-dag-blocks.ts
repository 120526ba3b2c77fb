import { createUnsafe } from 'multiformats/block'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { blockKey } from '../node/local-store-schema.ts'
import { collect } from './collect.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface LocalDag {
  /** The DAG's blocks this store holds, the root first */
  blocks: CID[]
  /** Every block of the DAG is held: the list can never change (content is immutable) */
  complete: boolean
}

/**
 * The blocks of `root`'s DAG that the local store holds, found by reading
 * the store only (never the network): a block that is missing leaves its
 * subtree out and the DAG incomplete. Raw blocks link to nothing, so leaves
 * are checked with `has`, never read.
 */
export async function localDagBlocks (store: Pick<Blockstore, 'has' | 'get'>, getCodec: CodecLoader, root: CID, options: AbortOptions = {}): Promise<LocalDag> {
  options.signal?.throwIfAborted()
  const seen = new Set<string>([blockKey(root)])
  const blocks: CID[] = []
  let complete = true
  for (let layer = [root]; layer.length > 0;) {
    const next: CID[] = []
    for (const cid of layer) {
      if (cid.multihash.code === identity.code) {
        // the bytes are the CID itself: nothing is stored, nothing to serve
        continue
      }
      if (!await store.has(cid, options)) {
        complete = false
        continue
      }
      blocks.push(cid)
      if (cid.code === raw.code) {
        continue
      }
      const block = createUnsafe({ cid, bytes: await collect(store.get(cid, options)), codec: await getCodec(cid.code) })
      for (const [, link] of block.links()) {
        const child = link as CID
        if (!seen.has(blockKey(child))) {
          seen.add(blockKey(child))
          next.push(child)
        }
      }
    }
    layer = next
  }
  return { blocks, complete }
}
