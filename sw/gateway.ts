import { logger } from '@libp2p/logger'
import { createEdgeNode } from '../src/lib/node/create-edge-node.ts'
import { openLocalStore } from '../src/lib/node/open-local-store.ts'
import { contentHandler } from './handlers/content.ts'
import { controlHandler } from './handlers/control.ts'
import { loadConfig } from './load-config.ts'
import { findHandler, runHandler } from './pipeline.ts'
import type { EdgeNode } from '../src/lib/node/create-edge-node.ts'
import type { GatewayStats } from '../src/lib/types.ts'

export interface Gateway {
  /** Start the node ahead of the first request (called on activate) */
  start(): Promise<void>
  /** Answer a fetch event, or return undefined to leave it to the network */
  respond(request: Request): Promise<Response> | undefined
}

/**
 * Everything one SW lifetime needs, built once when the script runs and held
 * by this instance, never in module variables: the browser may stop the SW
 * at any time and a new instance starts from IndexedDB and edgeway.json.
 */
export function createGateway (scope: ServiceWorkerGlobalScope): Gateway {
  const log = logger('edgeway:sw')
  const configUrl = new URL('edgeway.json', scope.registration.scope).toString()
  const stats: GatewayStats = {
    blocks: { cache: 0, edge: 0, peer: 0 },
    requests: 0,
    startedAt: Date.now(),
    lastBlockAt: 0
  }
  let node: Promise<EdgeNode> | undefined

  const getNode = async (): Promise<EdgeNode> => {
    node ??= (async () => {
      const [config, blockstore] = await Promise.all([loadConfig(configUrl), openLocalStore()])
      return createEdgeNode({ config, blockstore })
    })().catch(err => {
      // let the next request try again rather than failing forever
      node = undefined
      log.error('could not start the node - %e', err)
      throw err
    })
    return node
  }

  const handlers = [
    controlHandler({
      stats: () => stats,
      unregister: async () => { await scope.registration.unregister() }
    }),
    contentHandler({
      node: getNode,
      onBlock: source => {
        stats.blocks[source]++
        stats.lastBlockAt = Date.now()
      },
      onRequest: () => { stats.requests++ }
    })
  ]

  return {
    async start () {
      await getNode()
    },
    respond (request) {
      const found = findHandler(handlers, request)
      return found == null ? undefined : runHandler(found.handler, request, found.url)
    }
  }
}
