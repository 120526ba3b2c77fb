import type { CarBlock, CarFetchOptions, CarQuery } from './edge-car-fetcher.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Where a response's CARs come from: the edges' trustless gateways
 * (EdgeCarFetcher), or other browsers holding the content, through a tab's
 * peer. Whatever the source, every block is checked against its CID before
 * it is yielded, and a source that lies ends its stream with an error.
 */
export interface CarSource {
  /** How its blocks count in `X-Edgeway-Source` */
  readonly kind: 'edge' | 'peer'
  /** Whether it has anyone to ask now */
  readonly available: boolean
  /** Verified blocks of `query`, in the order the source sends them (depth-first) */
  fetch(query: CarQuery, options: CarFetchOptions): AsyncGenerator<CarBlock>
}

/**
 * A CAR query answered by other browsers that announce `root`, as a tab's
 * peer streams it to the SW: blocks in the order sent, not yet checked by
 * the receiver (it hashes each one itself). `from` is the sending peer's id.
 */
export type PeerCarBlocks = (query: CarQuery, options: AbortOptions & { root: CID }) => AsyncGenerator<{ cid: CID, bytes: Uint8Array, from: string }>
