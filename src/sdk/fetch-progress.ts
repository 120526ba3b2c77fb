import type { BlockSource, SourceCounts } from '../lib/types.ts'

/** One step of a `client.fetch`: a verified block was used for the response. */
export interface FetchProgress {
  /** Where the block came from: this browser's store, an edge, or another browser */
  source: BlockSource
  /** Verified bytes this response has used so far, every source together */
  bytes: number
  /** Verified blocks this response has used so far */
  blocks: number
  /** Verified bytes so far by source */
  bytesBySource: SourceCounts
}

export type FetchProgressListener = (progress: FetchProgress) => void

/**
 * Sums one response's block uses into running totals for `onProgress`. A
 * listener that throws is the dApp's bug, not the fetch's: it is not allowed
 * to end the request.
 */
export function progressCounter (listener: FetchProgressListener): (source: BlockSource, blocks: number, bytes: number) => void {
  const bytesBySource: SourceCounts = { cache: 0, edge: 0, peer: 0 }
  let blocks = 0
  let bytes = 0
  return (source, addBlocks, addBytes) => {
    blocks += addBlocks
    bytes += addBytes
    bytesBySource[source] += addBytes
    try {
      listener({ source, bytes, blocks, bytesBySource: { ...bytesBySource } })
    } catch {}
  }
}
