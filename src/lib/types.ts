/**
 * Public types shared by the service worker, the SDK, the page and the tests.
 */

/** Where a block came from, as counted in `X-Edgeway-Source`. */
export type BlockSource = 'cache' | 'edge' | 'peer'

export type SourceCounts = Record<BlockSource, number>

/**
 * One edge node as the gateway and SDK know it. This is the shape the edge
 * prints with `--json` and serves at `/info`.
 */
export interface EdgeEndpoint {
  /** The edge's libp2p peer id, when known */
  peerId?: string
  /** libp2p WebSocket multiaddrs, each ending in `/p2p/<peerId>` */
  multiaddrs: string[]
  /** Base URL of the edge's trustless gateway over HTTP */
  http?: string
}

/** Progress events Edgeway itself emits. Undeclared names do not compile. */
export type EdgewayProgressEventName =
  | 'edgeway:block:received'
  | 'edgeway:block:delivered'
  | 'edgeway:block:rejected'

export interface BlockReceivedDetail {
  cid: string
  source: Exclude<BlockSource, 'cache'>
  /** the transport that delivered it (`bridge`: a tab's peer, for the SW) */
  via: 'http' | 'bitswap' | 'bridge'
  /** the edge's HTTP URL or peer id, or the peer id of the browser that sent it */
  from: string
}

/** A source sent bytes for `cid` that failed hash verification. */
export interface BlockRejectedDetail {
  cid: string
  from: string
  reason: string
}

/** Counters the service worker exposes at `/_edgeway/stats`. */
export interface GatewayStats {
  /** Blocks used by responses, by source */
  blocks: SourceCounts
  /** Content requests answered */
  requests: number
  /** When this SW instance started (ms since the epoch) */
  startedAt: number
  /** When the last block was used (ms since the epoch), 0 before the first */
  lastBlockAt: number
}
