/**
 * The content engine in Node, assembled as the service worker assembles it
 * (createEdgeNode on a local store, the SW's content handler in front), with
 * an in-memory store instead of IndexedDB. Tests speak to it as a browser
 * speaks to the SW: a Request in, a Response out. Nothing here reaches past
 * the loopback edges and routers a test gives it.
 */
import { MemoryBlockstore } from 'blockstore-core'
import { DEFAULT_CONFIG } from '../../lib/config.ts'
import { edgeHttp } from '../../node/block-sources.ts'
import { createEdgeNode } from '../../node/create-edge-node.ts'
import { parseSourceHeader } from '../../lib/source-tally.ts'
import { contentHandler } from '../../../sw/handlers/content.ts'
import { runHandler } from '../../../sw/pipeline.ts'
import type { EdgewayConfig } from '../../lib/config.ts'
import type { EdgeNode } from '../../node/create-edge-node.ts'
import type { SourceCounts } from '../../lib/types.ts'
import type { ProgressReport } from '../../../sw/progress-reports.ts'

/** The gateway's host; `<cid>.ipfs.localhost` are its subdomain origins, where a site's `_redirects` applies. */
export const GATEWAY = 'http://localhost'

export interface TestGatewayInit {
  /** HTTP edges (trustless gateways) to fetch from, best first */
  edges: string[]
  /** @default [] */
  routers?: string[]
  /**
   * A request with no block arriving for this long is a 504; tests that
   * expect a prompt answer give a long one, so a hang fails them
   *
   * @default 30000
   */
  timeoutMs?: number
  /** DNS-over-HTTPS endpoint for DNSLink names (an edge's `/dns-query`) */
  dohResolver?: string
  /** @default DEFAULT_CONFIG.smallSiteBytes */
  smallSiteBytes?: number
  /** The report a followed request gets, as the SW's ProgressReports gives it @default none is followed */
  progress?(request: Request): ProgressReport | undefined
}

export interface TestRequestInit extends RequestInit {
  /** The request loads a page, as a browser's navigation does (`mode: 'navigate'`, which `new Request` refuses) */
  navigate?: boolean
}

export interface TestGateway {
  /** What the SW answers for `url` (a path is taken on the gateway's origin) */
  fetch(url: string, init?: TestRequestInit): Promise<Response>
  /**
   * Waits for what the SW keeps itself alive for after answering: the
   * responses' blocks written to the store. Call it once the bodies are
   * read (a response is done when its body is).
   */
  settled(): Promise<void>
  /** The store under the engine (IndexedDB in a browser) */
  store: MemoryBlockstore
  node: EdgeNode
  stop(): Promise<void>
}

export async function startTestGateway ({ edges, routers = [], timeoutMs = DEFAULT_CONFIG.timeoutMs, dohResolver, smallSiteBytes = DEFAULT_CONFIG.smallSiteBytes, progress }: TestGatewayInit): Promise<TestGateway> {
  const config: EdgewayConfig = {
    ...DEFAULT_CONFIG,
    edges: edges.map(http => ({ http, multiaddrs: [] })),
    routers,
    timeoutMs,
    dohResolver,
    smallSiteBytes,
    // the test's edges and routers are on loopback, over plain HTTP
    allowLocal: true,
    allowInsecure: true
  }
  const store = new MemoryBlockstore()
  const node = await createEdgeNode({ config, blockstore: store, sources: [edgeHttp()] })
  const handler = contentHandler({
    gatewayHost: new URL(GATEWAY).host,
    subdomains: async () => false,
    node: async () => node,
    refresh: async () => {},
    onUse: () => {},
    onRequest: () => {},
    progress
  })
  const pending = new Set<Promise<unknown>>()
  return {
    async fetch (url, init) {
      const { navigate = false, ...rest } = init ?? {}
      const request = new Request(new URL(url, GATEWAY), rest)
      if (navigate) Object.defineProperty(request, 'mode', { value: 'navigate' })
      const target = new URL(request.url)
      if (!handler.canHandle(request, target)) {
        throw new Error(`the SW would leave ${request.url} to the network`)
      }
      return runHandler(handler, request, target, promise => {
        const tracked = promise.catch(() => {}).finally(() => { pending.delete(tracked) })
        pending.add(tracked)
      })
    },
    async settled () {
      while (pending.size > 0) await Promise.all(pending)
    },
    store,
    node,
    async stop () {
      await node.stop()
    }
  }
}

/** The `X-Edgeway-Source` counts of a response; throws when it has none, as every SW response must. */
export function sourceCounts (response: Response): SourceCounts {
  const counts = parseSourceHeader(response.headers.get('x-edgeway-source'))
  if (counts == null) {
    throw new Error(`no X-Edgeway-Source on a ${response.status} response`)
  }
  return counts
}

/** Blocks the store holds. */
export async function storedBlocks (store: MemoryBlockstore): Promise<number> {
  let count = 0
  for await (const _ of store.getAll()) count++
  return count
}

/** The typed error an error page names (`data-error`); undefined for any other answer. */
export async function errorOf (response: Response): Promise<string | undefined> {
  return /data-testid="error"[^>]*data-error="([^"]+)"/.exec(await response.text())?.[1]
}
