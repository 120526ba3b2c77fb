import { raceSignal } from 'race-signal'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import type { ReadableBlocks } from './car-prefetch.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/**
 * Links held at most, over all directories: a 300-asset site's directory is
 * 300, a plain directory block of the 1 MiB limit ~10,000. A link held costs
 * a few hundred bytes (its CID and name), so this is a few MiB at worst.
 */
export const MAX_DIRECTORY_LINKS = 16_384

/** A plain UnixFS directory's entries by name. */
export type DirectoryLinks = ReadonlyMap<string, CID>

/**
 * Plain UnixFS directories decoded once, by CID. A page's assets are paths
 * under one directory: without this, every asset request decodes that
 * directory's links again (the exporter decodes them one by one, making a CID
 * of each, up to the name it looks for). Only blocks read through a verified
 * source are decoded, and the entry is keyed by the CID those bytes hash to,
 * so what is held here is as good as the block. Bounded by links, least
 * recently used evicted first.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, DirectoryLinks>()
  /** Directories being read: the requests of one page ask for the same one at once, and it is read and decoded once */
  private readonly reading = new Map<string, Promise<DirectoryLinks | undefined>>()
  private links = 0
  private readonly maxLinks: number

  constructor (maxLinks = MAX_DIRECTORY_LINKS) {
    this.maxLinks = maxLinks
  }

  /** Links held now, over all directories. */
  get size (): number {
    return this.links
  }

  /**
   * The directory at `cid`'s entries, decoded from the block `blocks` gives
   * (verified there) unless held; undefined when it is not a plain UnixFS
   * directory (a file, a HAMT shard, another codec).
   */
  async get (cid: CID, blocks: ReadableBlocks, options: AbortOptions & ProgressOptions): Promise<DirectoryLinks | undefined> {
    if (cid.code !== dagPb.code) {
      return undefined
    }
    const key = toString(cid.multihash.bytes, 'base64')
    const held = this.entries.get(key)
    if (held != null) {
      this.entries.delete(key)
      this.entries.set(key, held)
      return held
    }
    const reading = this.reading.get(key)
    if (reading != null) {
      // another request reads it; if that one fails (its signal, its source), this one reads it itself
      const links = await raceSignal(reading, options.signal).catch(() => null)
      options.signal?.throwIfAborted()
      if (links !== null) {
        return links
      }
    }
    const read = this.read(cid, blocks, options)
    this.reading.set(key, read)
    try {
      const links = await read
      if (links != null) {
        this.add(key, links)
      }
      return links
    } finally {
      if (this.reading.get(key) === read) {
        this.reading.delete(key)
      }
    }
  }

  private async read (cid: CID, blocks: ReadableBlocks, options: AbortOptions & ProgressOptions): Promise<DirectoryLinks | undefined> {
    const chunks: Uint8Array[] = []
    for await (const chunk of blocks.get(cid, options)) {
      chunks.push(chunk)
    }
    return directoryLinks(chunks.length === 1 ? chunks[0] : concat(chunks))
  }

  private add (key: string, links: DirectoryLinks): void {
    if (links.size > this.maxLinks) {
      return
    }
    this.links -= this.entries.get(key)?.size ?? 0
    this.entries.delete(key)
    this.entries.set(key, links)
    this.links += links.size
    while (this.links > this.maxLinks) {
      const oldest = this.entries.keys().next().value as string
      this.links -= this.entries.get(oldest)?.size ?? 0
      this.entries.delete(oldest)
    }
  }
}

/** A plain UnixFS directory's links by name; undefined for anything else. */
function directoryLinks (block: Uint8Array): DirectoryLinks | undefined {
  let node: dagPb.PBNode
  try {
    node = dagPb.decode(block)
    if (node.Data == null || UnixFS.unmarshal(node.Data).type !== 'directory') {
      return undefined
    }
  } catch {
    // not dag-pb or not UnixFS: the exporter says what it is
    return undefined
  }
  const links = new Map<string, CID>()
  for (const link of node.Links) {
    // the first of two links of one name is the one the exporter finds
    if (link.Name != null && !links.has(link.Name)) {
      links.set(link.Name, link.Hash)
    }
  }
  return links
}
