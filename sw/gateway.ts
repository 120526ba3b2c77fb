import { logger } from '@libp2p/logger'
import { mayControl } from './control-sender.ts'
import { contentHandler } from './handlers/content.ts'
import { controlHandler } from './handlers/control.ts'
import { functionsHandler } from './handlers/functions.ts'
import { loaderHandler } from './handlers/loader.ts'
import { pageHandler } from './handlers/page.ts'
import { progressHandler } from './handlers/progress.ts'
import { CONFIG_CACHE, cachedConfig } from './load-config.ts'
import { createNodeHolder } from './node-holder.ts'
import { dropOldCaches } from './old-caches.ts'
import { createPageCache } from './page-cache.ts'
import { ProgressReports } from './progress-reports.ts'
import { findHandler, runHandler } from './pipeline.ts'
import { createTabBridge } from './tab-bridge.ts'
import { EDGES_CHANGED_MESSAGE, edgesReport } from '../src/lib/edge-status.ts'
import { SKIP_WAITING_MESSAGE } from '../src/lib/sw-lifecycle.ts'
import { EdgeHealth, idbHealthPersistence } from '../src/node/edge-health-tracker.ts'
import { loadUserEdges, openEdgeDb } from '../src/node/edge-store.ts'
import { edgeHttp, tabBridge } from '../src/node/block-sources.ts'
import { gatewayHostOf, splitSubdomainHost } from '../src/lib/subdomain-gateway.ts'
import { warmReadMode } from '../src/lib/verified-file-rules.ts'
import { VERIFIED_FILES_CACHE, VerifiedFiles } from '../src/content/verified-files.ts'
import { openLocalStore } from '../src/node/open-local-store.ts'
import type { PageFiles } from './page-cache.ts'
import type { Handler } from './pipeline.ts'
import type { EdgeDb } from '../src/node/edge-store.ts'
import type { IdbBlockstore } from '../src/node/idb-blockstore.ts'
import type { GatewayStats } from '../src/lib/types.ts'

export interface GatewayOptions {
  /** The gateway page's built files, kept for offline use on the gateway's own origin */
  page?: PageFiles
  /**
   * The loader page's script in the page build (`assets/loader-….js`): with
   * it, a navigation to content only other browsers hold opens the loader
   *
   * @default no loader
   */
  loaderScript?: string
  /**
   * Where the configuration (edges, routers, timeouts) is read
   *
   * @default `edgeway.json` next to the SW script
   */
  configUrl?: string
  /**
   * The progress page's script in the page build (`assets/progress-….js`):
   * with it, a navigation whose first byte is late shows the progress page
   *
   * @default no progress page
   */
  progressScript?: string
}

export interface Gateway {
  /**
   * Whether a new version of this SW waits for a page's word before it
   * takes over (install): on the gateway's own origin the page shows
   * `update-banner` and its reload sends SKIP_WAITING_MESSAGE; a content
   * root's origin has no such page, so an update there takes over at once
   */
  readonly updatesWaitForPage: boolean
  /**
   * Start the node ahead of the first request, keep the gateway page's files
   * for offline use and drop the caches older versions kept (called on activate)
   */
  activate(): Promise<void>
  /** Answer a fetch event, or return undefined to leave it to the network */
  respond(event: FetchEvent): Promise<Response> | undefined
  /** Whether `respond` answers this request (content, or the gateway's own paths) */
  handles(request: Request): boolean
  /** A message from a page: a tab registering its peer for the bridge, the page's edge list changed, or "activate now" */
  onMessage(event: ExtendableMessageEvent): void
}

/**
 * Everything one SW lifetime needs, built once when the script runs and held
 * by this instance, never in module variables: the browser may stop the SW
 * at any time and a new instance starts from IndexedDB and edgeway.json.
 */
export function createGateway (scope: ServiceWorkerGlobalScope, options: GatewayOptions = {}): Gateway {
  // edgeway.json sits next to the script: /sw.js and /edgeway.json on the gateway's own
  // origin, /_edgeway/sw.js and /_edgeway/edgeway.json on a subdomain origin
  const configUrl = new URL(options.configUrl ?? 'edgeway.json', scope.location.href).toString()
  const gatewayHost = gatewayHostOf(scope.location.host)
  // error pages link back to the gateway page, which on a root's own origin is another origin's `/`
  const gatewayUrl = splitSubdomainHost(scope.location.host) == null ? '/' : `${scope.location.protocol}//${gatewayHost}/`
  const log = logger('edgeway:sw:messages')
  // a SW cannot open WebRTC connections, so blocks only other browsers have come through a tab's peer
  const tabs = createTabBridge(scope)
  // the edge list chosen on the page and what this browser measured of each edge outlive the SW there
  let edgeDb: Promise<EdgeDb> | undefined
  const openEdges = async (): Promise<EdgeDb> => {
    edgeDb ??= openEdgeDb().catch(err => {
      edgeDb = undefined
      throw err
    })
    return edgeDb
  }
  const health = new EdgeHealth({ persistence: idbHealthPersistence(openEdges) })
  // one block store per SW life: every node it starts uses it, and kept files read their share of its budget there
  let localStore: Promise<IdbBlockstore> | undefined
  const openStore = async (): Promise<IdbBlockstore> => {
    localStore ??= openLocalStore().catch(err => {
      localStore = undefined
      throw err
    })
    return localStore
  }
  const nodes = createNodeHolder({
    configUrl,
    health,
    store: openStore,
    userEdges: async () => loadUserEdges(await openEdges()),
    // the SW fetches over HTTP itself; what only libp2p reaches (other browsers, edges given as multiaddrs,
    // bitswap providers) comes through a tab's peer, so a first visit never parses libp2p
    extras: () => ({
      sources: [edgeHttp(), tabBridge(tabs)],
      peersReachable: () => tabs.connected()
    })
  })
  // a subdomain origin is all content: the gateway page lives on the gateway's own origin only
  const page = options.page != null && splitSubdomainHost(scope.location.host) == null
    ? createPageCache(options.page, scope.caches, scope.fetch.bind(scope))
    : undefined
  const files = new VerifiedFiles({
    caches: scope.caches,
    origin: scope.location.origin,
    budget: async options => (await (await openStore()).usage(options)).budgetBytes,
    onKeptBytes: async bytes => { await (await openStore()).setKeptFileBytes(bytes) }
  })
  const stats: GatewayStats = {
    blocks: { cache: 0, edge: 0, peer: 0 },
    bytes: { cache: 0, edge: 0, peer: 0 },
    requests: 0,
    startedAt: Date.now(),
    lastBlockAt: 0
  }

  // pages that follow a fetch of theirs (the SDK's onProgress) are told what its response uses
  const reports = new ProgressReports({ clients: scope.clients })
  const content = contentHandler({
    origin: scope.location.origin,
    gatewayHost,
    subdomains: async () => (await nodes.config()).subdomains,
    node: async () => nodes.get(),
    refresh: async () => { await nodes.refresh({ pageLoad: true }) },
    onUse: (source, blocks, bytes) => {
      stats.blocks[source] += blocks
      stats.bytes[source] += bytes
      stats.lastBlockAt = Date.now()
    },
    onRequest: () => { stats.requests++ },
    progress: request => reports.get(request),
    files: async () => warmReadMode({ host: scope.location.host, verifiedFiles: (await nodes.config()).verifiedFiles === true }) === 'verified-files' ? files : undefined
  })

  // unregistered (a reset): until the browser lets this SW go, every request goes to the network, so no
  // page of the origin is answered from stores the reset is deleting
  let retired = false

  const handlers: Handler[] = [
    controlHandler({
      stats: () => stats,
      edges: async () => {
        const [config, source] = await Promise.all([nodes.config(), nodes.edgeSource(), health.load()])
        return edgesReport(config.edges, source, health)
      },
      unregister: async () => {
        retired = true
        await scope.registration.unregister()
      },
      version: options.page?.version
    }),
    // on a root's own origin every path is the site's, /fn/ too: functions are called on the gateway's origin only
    ...(splitSubdomainHost(scope.location.host) != null
      ? []
      : [functionsHandler({
          origin: scope.location.origin,
          edges: async () => {
            const config = await nodes.config()
            return { edges: config.edges, health, timeoutMs: config.timeoutMs }
          }
        })]),
    ...(page == null ? [] : [pageHandler({ origin: scope.location.origin, page, cachedConfig: async () => cachedConfig(configUrl), fetch: scope.fetch.bind(scope) })]),
    loaderHandler({
      origin: scope.location.origin,
      gatewayHost,
      subdomains: async () => (await nodes.config()).subdomains,
      node: async () => nodes.get(),
      peerTabOpen: () => tabs.connected(),
      script: options.loaderScript,
      // a navigation the loader leaves to the content, and is slow to start, shows its progress
      content: progressHandler({
        origin: scope.location.origin,
        gatewayHost,
        content,
        tried: async () => {
          const { edges, routers } = await nodes.config()
          return { edges: edges.flatMap(edge => edge.http ?? edge.multiaddrs.slice(0, 1)), routers }
        },
        script: options.progressScript
      })
    })
  ]

  return {
    updatesWaitForPage: page != null,
    async activate () {
      // the page is kept while the node starts: a first visit waits for the node anyway, not for this
      const keep = new Set([CONFIG_CACHE, VERIFIED_FILES_CACHE, ...(page == null ? [] : [page.name])])
      await Promise.all([nodes.get(), page?.fill(), dropOldCaches(scope.caches, keep)])
    },
    onMessage (event) {
      if (!mayControl(event.source, gatewayHost)) {
        log('ignored a message from %s: only the origin\'s own pages, not the content it serves, may steer the SW', (event.source as Client | null)?.url ?? 'no client')
        return
      }
      const type = (event.data as { type?: unknown } | null)?.type
      if (type === EDGES_CHANGED_MESSAGE) {
        event.waitUntil(nodes.refresh())
        return
      }
      if (type === SKIP_WAITING_MESSAGE) {
        event.waitUntil(scope.skipWaiting())
        return
      }
      tabs.onMessage(event)
    },
    handles (request) {
      return !retired && findHandler(handlers, request) != null
    },
    respond (event) {
      const found = retired ? undefined : findHandler(handlers, event.request)
      if (found == null) {
        return undefined
      }
      // keep the SW alive until what the response started (store writes) is done
      return reports.follow(event, async () => runHandler(found.handler, event.request, found.url, promise => { event.waitUntil(promise) }, { gatewayUrl }))
    }
  }
}
