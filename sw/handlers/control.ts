import type { Handler } from '../pipeline.ts'
import type { GatewayStats } from '../../src/lib/types.ts'

export interface ControlHandlerComponents {
  stats(): GatewayStats
  unregister(): Promise<void>
}

/**
 * The SW's own endpoints under `/_edgeway/`: live statistics for the page and
 * tests, and an unregister switch for when a user wants the plain server back.
 */
export function controlHandler (components: ControlHandlerComponents): Handler {
  return {
    id: 'control',
    canHandle (request, url) {
      // unregistering changes state: only a same-origin POST from a page does it, never a
      // navigation (which another site can cause with a link or a form)
      return (url.pathname === '/_edgeway/stats' && request.method === 'GET') ||
        (url.pathname === '/_edgeway/unregister' && request.method === 'POST' && request.mode !== 'navigate')
    },
    async handle (_request, url) {
      if (url.pathname === '/_edgeway/unregister') {
        await components.unregister()
        return Response.json({ unregistered: true })
      }
      return Response.json(components.stats(), { headers: { 'Cache-Control': 'no-store' } })
    }
  }
}
