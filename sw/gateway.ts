import { contentHandler } from './handlers/content.ts'
import { controlHandler } from './handlers/control.ts'
import { createNodeHolder } from './node-holder.ts'
import { findHandler, runHandler } from './pipeline.ts'
import { createTabBridge } from './tab-bridge.ts'
import { TabBridgeBroker } from '../src/lib/node/tab-bridge-broker.ts'
import { gatewayHostOf } from '../src/lib/subdomain-gateway.ts'
import type { GatewayStats } from '../src/lib/types.ts'

export interface Gateway {
  /** Start the node ahead of the first request (called on activate) */
  start(): Promise<void>
  /** Answer a fetch event, or return undefined to leave it to the network */
  respond(event: FetchEvent): Promise<Response> | undefined
  /** A message from a page: a tab registering its peer for the bridge */
  onMessage(event: ExtendableMessageEvent): void
}

/**
 * Everything one SW lifetime needs, built once when the script runs and held
 * by this instance, never in module variables: the browser may stop the SW
 * at any time and a new instance starts from IndexedDB and edgeway.json.
 */
export function createGateway (scope: ServiceWorkerGlobalScope): Gateway {
  // edgeway.json sits next to the script: /sw.js and /edgeway.json on the gateway's own
  // origin, /_edgeway/sw.js and /_edgeway/edgeway.json on a subdomain origin
  // a SW cannot open WebRTC connections, so blocks only other browsers have come through a tab's peer
  const tabs = createTabBridge(scope)
  const nodes = createNodeHolder(new URL('edgeway.json', scope.location.href).toString(), config => ({ edgeMisses }) => [
    new TabBridgeBroker({ tabs, edgeMisses, edgePeerIds: new Set(config.edges.flatMap(edge => edge.peerId == null ? [] : [edge.peerId])) })
  ])
  const stats: GatewayStats = {
    blocks: { cache: 0, edge: 0, peer: 0 },
    requests: 0,
    startedAt: Date.now(),
    lastBlockAt: 0
  }

  const handlers = [
    controlHandler({
      stats: () => stats,
      unregister: async () => { await scope.registration.unregister() }
    }),
    contentHandler({
      gatewayHost: gatewayHostOf(scope.location.host),
      subdomains: async () => (await nodes.config()).subdomains,
      node: async () => nodes.get(),
      refresh: async () => { await nodes.refresh() },
      onBlock: source => {
        stats.blocks[source]++
        stats.lastBlockAt = Date.now()
      },
      onRequest: () => { stats.requests++ }
    })
  ]

  return {
    async start () {
      await nodes.get()
    },
    onMessage (event) {
      tabs.onMessage(event)
    },
    respond (event) {
      const found = findHandler(handlers, event.request)
      if (found == null) {
        return undefined
      }
      // keep the SW alive until what the response started (store writes) is done
      return runHandler(found.handler, event.request, found.url, promise => { event.waitUntil(promise) })
    }
  }
}
