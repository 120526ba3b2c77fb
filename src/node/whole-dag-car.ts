import * as dagPb from '@ipld/dag-pb'
import { identity } from 'multiformats/hashes/identity'
import { toString } from 'uint8arrays/to-string'
import type { CarBlock, EdgeCarFetcher } from './edge-car-fetcher.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

export interface WholeDagOptions extends AbortOptions, ProgressOptions {
  /** Block bytes accepted at most; the stream is ended before the block that would pass it */
  maxBytes: number
  /** Called after each block, with where it came from and whether it was stored now (a sign of life for whoever waits on this) */
  onBlock?(block: CarBlock, stored: boolean): void
  /** A block the store holds already (the navigation's own CAR brought it a moment ago): not stored or reported again */
  held?(cid: CID): boolean
  /**
   * The set this fills with the keys (`blockKey`) of the blocks still to
   * come: linked from a block that arrived, not arrived yet; one of its own
   * when not given
   */
  expected?: Set<string>
}

/** Why a whole-DAG CAR ended before the DAG was complete. */
export type WholeDagStop = 'cap' | 'foreign-block' | 'failed'

export interface WholeDagResult {
  blocks: number
  bytes: number
  /** Every block the DAG links to arrived and was stored */
  complete: boolean
  stopped?: WholeDagStop
}

/**
 * Fetches the DAG under `root` in one CAR (`dag-scope=all`) and stores its
 * blocks. The fetcher checks each block against its CID; here each block must
 * also be one the DAG links to (the root, or a link of a dag-pb block stored
 * before it, which the depth-first order guarantees), so an edge cannot fill
 * the store with valid blocks of something else. The byte cap bounds what a
 * DAG whose sizes were understated can cost. A CAR that fails, lies or stops
 * early keeps what it verified; the rest is fetched as each request needs it.
 */
export async function fetchWholeDag (fetcher: EdgeCarFetcher, store: Pick<Blockstore, 'put'>, root: CID, options: WholeDagOptions): Promise<WholeDagResult> {
  options.signal?.throwIfAborted()
  const expected = options.expected ?? new Set()
  expected.add(blockKey(root))
  const result: WholeDagResult = { blocks: 0, bytes: 0, complete: false }
  try {
    for await (const block of fetcher.fetch({ cid: root, scope: 'all' }, { signal: options.signal, onProgress: options.onProgress, root })) {
      if (!expected.delete(blockKey(block.cid))) {
        result.stopped = 'foreign-block'
        break
      }
      if (result.bytes + block.bytes.byteLength > options.maxBytes) {
        result.stopped = 'cap'
        break
      }
      if (block.cid.code === dagPb.code) {
        for (const link of dagPb.decode(block.bytes).Links) {
          // an identity CID carries its bytes: no edge sends it as a block
          if (link.Hash.multihash.code !== identity.code) expected.add(blockKey(link.Hash))
        }
      }
      result.blocks++
      result.bytes += block.bytes.byteLength
      const stored = options.held?.(block.cid) !== true
      if (stored) {
        await store.put(block.cid, block.bytes, options)
      }
      options.onBlock?.(block, stored)
    }
  } catch (err) {
    options.signal?.throwIfAborted()
    result.stopped = 'failed'
  }
  result.complete = result.stopped == null && expected.size === 0
  return result
}

/** A block's key in the expected set: its multihash (a CIDv0 and a CIDv1 of the same bytes are one block). */
export function blockKey (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
