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
  /** Whether it runs edge functions, as its `/info` says; unknown when absent (then it is asked, and may answer 501) */
  functions?: boolean
}

/** Progress events Edgeway itself emits. Undeclared names do not compile. */
export type EdgewayProgressEventName =
  | 'edgeway:block:received'
  | 'edgeway:block:delivered'
  | 'edgeway:block:rejected'
  | 'edgeway:pin:block'
  | 'edgeway:block:size'
  | 'edgeway:edges:unreachable'
  | 'edgeway:providers:none'

export interface BlockReceivedDetail {
  cid: string
  source: Exclude<BlockSource, 'cache'>
  /** the transport that delivered it (`bridge`: a tab's peer, for the SW) */
  via: 'http' | 'bitswap' | 'bridge'
  /** the edge's HTTP URL or peer id, or the peer id of the browser that sent it */
  from: string
  /** the block's size */
  bytes: number
}

/** The local store read or wrote this block for the request: its size, for the byte counts. */
export interface BlockSizeDetail {
  cid: string
  bytes: number
}

/** A source sent bytes for `cid` that failed hash verification. */
export interface BlockRejectedDetail {
  cid: string
  from: string
  reason: string
}

/**
 * No edge could be reached for `cid` (every HTTP edge failed to connect) and
 * no other source is connected: the network is down or the edges are.
 */
export interface EdgesUnreachableDetail {
  cid: string
  /** the edges' HTTP URLs that were tried */
  edges: string[]
}

/**
 * No source is left for `cid`: the edges do not have it (or cannot be
 * reached), and the providers the routers list, if any, did not send it.
 */
export interface ProvidersNoneDetail {
  cid: string
  /** the edges' HTTP URLs that were tried */
  edges: string[]
  /** the providers' HTTP URLs that were tried */
  providers: string[]
}

/**
 * What one browser (an SDK client, or the gateway page with its in-tab peer)
 * has moved: blocks and bytes used by source, and what it served to others.
 */
export interface TransferTotals {
  /** Blocks used by responses, by source */
  blocks: SourceCounts
  /** Bytes of those blocks, by source */
  bytes: SourceCounts
  /** Blocks this browser's peer sent to other browsers; zero while no peer runs */
  served: { blocks: number, bytes: number }
}

/** Counters the service worker exposes at `/_edgeway/stats`. */
export interface GatewayStats {
  /** Blocks used by responses, by source */
  blocks: SourceCounts
  /** Bytes of those blocks, by source */
  bytes: SourceCounts
  /** Content requests answered */
  requests: number
  /** When this SW instance started (ms since the epoch) */
  startedAt: number
  /** When the last block was used (ms since the epoch), 0 before the first */
  lastBlockAt: number
}

/** What the local store holds, as `client.usage()` and the page's `cache-usage` report it. */
export interface CacheUsage {
  /** Bytes of blocks no pin holds: what the budget limits and eviction frees */
  cachedBytes: number
  /** Bytes of blocks some pin holds: kept whatever the budget */
  pinnedBytes: number
  /** The most `cachedBytes` may be once an eviction has run */
  budgetBytes: number
  /** The budget is the default (a share of the storage quota), not one that was set */
  defaultBudget: boolean
}

/** One pinned DAG: its blocks are kept offline until it is unpinned. */
export interface PinInfo {
  /** The root CID, as given to `pin()` */
  cid: string
  /** Blocks of the DAG (each counted once) */
  blocks: number
  /** Bytes of those blocks */
  bytes: number
  /** When it was pinned (ms since the epoch) */
  pinnedAt: number
  /** Every block of the DAG is in the store; false while pinning, or when pinning stopped half way */
  complete: boolean
}

/** A pin has taken one more block of its DAG into the store. */
export interface PinBlockDetail {
  cid: string
  /** Blocks of the DAG in the store so far */
  blocks: number
  /** Their bytes */
  bytes: number
}

/** What `pin()` reports as it goes (a progress event, `edgeway:pin:block`) */
export interface PinProgressEvent {
  type: 'edgeway:pin:block'
  detail: PinBlockDetail
}

/** A file to publish: a browser `File` (its name is used), or bytes or a Blob with a path. */
export type PublishInput = File | { path: string, content: Uint8Array | Blob }

/** What this browser published, and so keeps: one record per root. */
export interface PublishedRoot {
  cid: string
  /** The file name, or the directory's first entry, as given */
  name: string
  /** Bytes of file content */
  size: number
  publishedAt: number
}

export interface PublishResult extends PublishedRoot {
  /** `/ipfs/<cid>` (a single file, with `?filename=`) or `/ipfs/<cid>/` (several, in a directory) */
  path: string
  /** Blocks written */
  blocks: number
}

/** What the tab has given other peers so far */
export interface ServedCounts {
  blocks: number
  bytes: number
}

/** The in-tab peer's state, as a page shows it */
export interface TabPeerStatus {
  peerId: string
  serving: boolean
  /** What it merely viewed is shared too (else only what the user published or pinned) */
  shareViewed: boolean
  /** Other browsers connected now (edges not counted) */
  peers: number
  /** Of those, the ones connected directly over WebRTC (not only relayed) */
  webrtcPeers: number
  /** Edges connected now */
  edges: number
  /** Where other browsers reach this tab: relay addresses on an edge, empty until a slot is reserved */
  addresses: string[]
  /** What other peers have taken from this tab */
  served: ServedCounts
  /** Blocks the edges currently list this tab for */
  announced: number
}
