import type { Handler } from '../pipeline.ts'
import { EDGES_STATUS_PATH } from '../../src/lib/edge-status.ts'
import type { EdgesReport } from '../../src/lib/edge-status.ts'
import type { GatewayStats } from '../../src/lib/types.ts'

export interface ControlHandlerComponents {
  stats(): GatewayStats
  /** The edges in use, best first, with their measurements */
  edges(): Promise<EdgesReport>
  unregister(): Promise<void>
}

/**
 * The SW's own endpoints under `/_edgeway/`: live statistics and the edges'
 * health for the page and tests, and an unregister switch for when a user wants the plain server back.
 */
export function controlHandler (components: ControlHandlerComponents): Handler {
  return {
    id: 'control',
    canHandle (request, url) {
      // unregistering changes state: only a same-origin POST from a page does it, never a
      // navigation (which another site can cause with a link or a form)
      return ((url.pathname === '/_edgeway/stats' || url.pathname === EDGES_STATUS_PATH) && request.method === 'GET') ||
        (url.pathname === '/_edgeway/unregister' && request.method === 'POST' && request.mode !== 'navigate')
    },
    async handle (_request, url) {
      if (url.pathname === '/_edgeway/unregister') {
        await components.unregister()
        return Response.json({ unregistered: true })
      }
      const body = url.pathname === EDGES_STATUS_PATH ? await components.edges() : components.stats()
      return Response.json(body, { headers: { 'Cache-Control': 'no-store' } })
    }
  }
}
