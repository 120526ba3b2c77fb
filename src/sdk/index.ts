import { parseConfig } from '../lib/config.ts'
import { errorToResponse } from '../lib/error-to-response.ts'
import { edgesReport } from '../lib/edge-status.ts'
import { EdgeHealth, idbHealthPersistence } from '../node/edge-health-tracker.ts'
import { openEdgeDb } from '../node/edge-store.ts'
import { openLocalStore } from '../node/open-local-store.ts'
import { createCacheControls } from './cache-controls.ts'
import { progressCounter } from './fetch-progress.ts'
import { TransferStats } from '../lib/transfer-stats.ts'
import { peerClient } from './peer-client.ts'
import { asBlockstore } from './user-blockstore.ts'
import { FunctionCids } from '../functions/function-cids.ts'
import { CaughtEdges } from '../functions/caught-edges.ts'
import { invokeFunction } from './invoke.ts'
import { WorkerFunctionRunner } from '../functions/worker-runner.ts'
import type { CacheControls, CacheOptions, EdgePeerHandle, EdgePeerOptions, InvokeInit, UserBlockstore } from './types.ts'
import type { Engine } from './engine.ts'
import type { InvokeComponents } from './invoke.ts'
import type { LeanFetch } from '../content/lean/lean-fetch.ts'
import type { FetchProgressListener } from './fetch-progress.ts'
import type { BlockSource, EdgeEndpoint, PublishInput, PublishResult, TransferTotals } from '../lib/types.ts'
import type { EdgewayConfig } from '../lib/config.ts'
import type { EdgeStatus } from '../lib/edge-status.ts'
import type { Blockstore } from 'interface-blockstore'

export { InvalidRequestError, NotInDagError, VerificationError, SourceTimeoutError, ConfigError, NotSupportedError, FunctionVerificationError } from '../lib/errors.ts'
export type { InvokeInit } from './types.ts'
export { startEdgeway } from './start-edgeway.ts'
export { registerGateway } from './register-gateway.ts'
export type { RegisterGatewayOptions } from './register-gateway.ts'
export type { Edgeway, StartEdgewayOptions } from './start-edgeway.ts'
export { parseSourceHeader } from '../lib/source-tally.ts'
export { TransferStats } from '../lib/transfer-stats.ts'
export type { EdgeEndpoint, SourceCounts, BlockSource, TransferTotals } from '../lib/types.ts'
export type { EdgeStatus } from '../lib/edge-status.ts'
export type { EdgeState } from '../lib/edge-health.ts'
export type { AbortOptions, CacheControls, CacheOptions, CidLike, PinOptions, EdgePeerHandle, EdgePeerOptions, UserBlockstore } from './types.ts'
export type { CacheUsage, PinInfo, PinBlockDetail } from '../lib/types.ts'
export type { PublishInput, PublishResult, TabPeerStatus, PinProgressEvent } from '../lib/types.ts'
export type { FetchProgress, FetchProgressListener } from './fetch-progress.ts'

export interface EdgeFetchInit extends RequestInit {
  /**
   * Called as verified blocks are used for this response: bytes so far and
   * where each block came from. Blocks are hashed before they are counted
   */
  onProgress?: FetchProgressListener
}

export interface EdgeClientOptions extends CacheOptions {
  /**
   * Edges to fetch from, best first: `/info` objects, http(s) URLs or
   * multiaddrs. Requests go to the best of them by what this browser measured
   * (shared with the gateway SW on the origin); this order breaks ties
   */
  edges: Array<EdgeEndpoint | string>
  /**
   * Delegated routing v1 endpoints (base URLs such as `https://delegated-ipfs.dev`)
   * asked for providers of content the edges do not have; blocks from those
   * providers are verified as the edges' are. A router sees every CID this
   * client asks it about. `http://` ones need `allowInsecure`
   *
   * @default []
   */
  routers?: string[]
  /**
   * Answer 504 when no block arrives for this long
   *
   * @default 30000
   */
  timeoutMs?: number
  /**
   * Allow loopback/private edges (local development)
   *
   * @default false
   */
  allowLocal?: boolean
  /**
   * Allow http:// and ws:// edges
   *
   * @default false
   */
  allowInsecure?: boolean
  /**
   * Where verified blocks are kept
   *
   * @default IndexedDB database "edgeway-blocks", shared with the gateway SW on the same origin
   */
  blockstore?: UserBlockstore
  /**
   * Run a peer in this page: other browsers can then fetch what it holds
   * (over WebRTC, through an edge's relay), `add()` can publish, and blocks
   * only other browsers have are fetched from them. Off by default: a peer
   * connects to other browsers and tells the edges what this page shares
   * (what it published or pinned; what it viewed only with `shareViewed`).
   *
   * @default false
   */
  peer?: boolean | EdgePeerOptions
  /**
   * STUN/TURN servers for the peer's WebRTC; none by default, so no public
   * server is asked anything
   *
   * @default []
   */
  iceServers?: EdgewayConfig['iceServers']
}

export interface EdgeClient extends CacheControls {
  /**
   * Like `fetch`, for `ipfs://<cid>/<path>` or `/ipfs/<cid>/<path>`: resolves to a
   * standard `Response` whose bytes were all checked against their hashes.
   * Errors are responses too (400, 404, 502, 504) with an `X-Edgeway-Source` header.
   */
  fetch(resource: string | URL, init?: EdgeFetchInit): Promise<Response>
  /**
   * Runs the edge function `ipfs://<cid>/<path>` (an ES module whose default
   * export is `async (request) => Response`) on an edge that runs functions,
   * or in this browser with `where: 'local'`; `verify: 'recompute'` runs it
   * in both and rejects with `FunctionVerificationError` when the answers
   * differ. Failures are responses, as with `fetch` (see docs/functions.md)
   */
  invoke(resource: string | URL, init?: InvokeInit): Promise<Response>
  /**
   * What this client has moved so far: blocks and bytes by source (cache,
   * edge, peer), and blocks and bytes it served to other browsers
   */
  stats(): TransferTotals
  /** The running totals behind `stats()`: `subscribe` for live updates; a peer records what it serves here */
  readonly transfers: TransferStats
  /**
   * Publishes files from this page: imports them into the local store as
   * UnixFS, keeps them, and makes them findable through the edges; other
   * browsers then fetch them from this page. Needs `peer`.
   */
  add(files: PublishInput[], options?: { signal?: AbortSignal }): Promise<PublishResult>
  /** The page's peer (see the `peer` option) */
  peer: EdgePeerHandle
  /** The edges in the order they are asked now, with their state and measurements */
  edges(): EdgeStatus[]
  stop(): Promise<void>
}

/**
 * Creates a verifying client that runs in the page. What it fetches with is
 * loaded on the first fetch that needs it: the lean path (files and index
 * pages from HTTP edges as checked CARs, ~20 KiB) or the full content engine
 * (Helia, verified-fetch, every source; ~330 KiB), so a page that imports the
 * SDK without creating a client (it fetches through its SW) downloads neither.
 */
export function createEdgeClient (options: EdgeClientOptions): EdgeClient {
  const config = parseConfig({
    edges: options.edges,
    routers: options.routers,
    timeoutMs: options.timeoutMs,
    allowLocal: options.allowLocal,
    allowInsecure: options.allowInsecure,
    iceServers: options.iceServers
  })
  const transfers = new TransferStats()
  const store: Promise<Blockstore> = options.blockstore != null ? Promise.resolve(asBlockstore(options.blockstore)) : openLocalStore()
  const peer = peerClient(config, options.peer, store)
  // measurements live in the origin's edge database, as the SW's do, so both order edges by the same experience
  const edgeDb = typeof indexedDB === 'undefined' ? undefined : openEdgeDb()
  edgeDb?.catch(() => {})
  const health = new EdgeHealth({ persistence: edgeDb == null ? undefined : idbHealthPersistence(async () => edgeDb) })
  let engine: Promise<Engine> | undefined
  const started = async (): Promise<Engine> => {
    engine ??= (async () => {
      const [{ startEngine }, blockstore] = await Promise.all([import('./engine.ts'), store])
      return startEngine({ config, blockstore, health, peerBlocks: peer.blockRequester() })
    })()
    return engine
  }
  // files and index pages from HTTP edges take the lean path (~20 KiB of script); the full engine (~330 KiB:
  // names, formats, ranges, listings, bitswap, routers, peers) is loaded when a request needs it. With a peer in
  // the page, browsers are sources too, and only the full engine asks them
  const leanUsable = options.peer == null || options.peer === false ? config.edges.some(edge => edge.http != null) : false
  // content the edges lack may still be found by the full engine: through routers, or edges it reaches over libp2p
  const handsOver = config.routers.length > 0 || config.edges.some(edge => edge.http == null)
  let lean: Promise<LeanFetch> | undefined
  const leanStarted = async (): Promise<LeanFetch> => {
    lean ??= Promise.all([import('../content/lean/lean-fetch.ts'), store])
      .then(([{ createLeanFetch }, blockstore]) => createLeanFetch({ config, store: blockstore, health }, () => handsOver))
    // a chunk that failed to load (the network blinked) is asked for again by the next fetch
    lean.catch(() => { lean = undefined })
    return lean
  }
  // QuickJS loads in its Worker with the first function run here, not before
  let functions: WorkerFunctionRunner | undefined
  const invoking: InvokeComponents = {
    edges: config.edges,
    health,
    timeoutMs: config.timeoutMs,
    fetchContent: async (url, { signal }) => client.fetch(url, { signal }),
    runner: () => (functions ??= new WorkerFunctionRunner()),
    cids: new FunctionCids(),
    caught: new CaughtEdges()
  }

  const client: EdgeClient = {
    ...createCacheControls({ store, node: async () => (await started()).node }, options),
    // not async itself: the call's own promise is the answer, with no step added
    invoke: (resource, init = {}) => invokeFunction(invoking, resource, init),
    async fetch (resource, init = {}) {
      init.signal?.throwIfAborted()
      const headers = new Headers(init.headers)
      const onProgress = init.onProgress == null ? undefined : progressCounter(init.onProgress)
      const onUse = (source: BlockSource, blocks: number, bytes: number): void => {
        transfers.recordUse(source, blocks, bytes)
        onProgress?.(source, blocks, bytes)
      }
      const signal = init.signal ?? undefined
      try {
        const leanFetch = leanUsable ? await leanStarted().catch(() => undefined) : undefined
        const answer = await leanFetch?.(resource, { method: init.method, headers, redirect: init.redirect, cache: init.cache, signal, onUse })
        if (answer != null) {
          return answer
        }
        return await (await started()).fetch(resource, { method: init.method, headers, signal, redirect: init.redirect, onUse })
      } catch (err) {
        signal?.throwIfAborted()
        // a node that cannot start is reported by each fetch as a response, not as a rejection
        return errorToResponse(err, { accept: headers.get('accept') })
      }
    },
    stats: () => transfers.snapshot(),
    transfers,
    add: async (files, addOptions) => peer.add(files, addOptions),
    peer: peer.peer,
    edges: () => edgesReport(config.edges, 'user', health).edges,
    async stop () {
      await Promise.all([engine == null ? undefined : engine.then(async e => { await e.node.stop() }, () => {}), peer.stop(), functions?.close()])
    }
  }
  return client
}
