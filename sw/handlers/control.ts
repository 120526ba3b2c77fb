import type { Handler } from '../pipeline.ts'
import { EDGES_STATUS_PATH } from '../../src/lib/edge-status.ts'
import { SW_UNREGISTER_PATH, SW_VERSION_PATH } from '../../src/lib/sw-lifecycle.ts'
import type { EdgesReport } from '../../src/lib/edge-status.ts'
import type { SwVersion } from '../../src/lib/sw-lifecycle.ts'
import type { GatewayStats } from '../../src/lib/types.ts'

export interface ControlHandlerComponents {
  stats(): GatewayStats
  /** The edges in use, best first, with their measurements */
  edges(): Promise<EdgesReport>
  unregister(): Promise<void>
  /** The page build this SW was made with */
  version?: string
}

const GET_PATHS = new Set(['/_edgeway/stats', EDGES_STATUS_PATH, SW_VERSION_PATH])

/**
 * The SW's own endpoints under `/_edgeway/`: live statistics, the edges'
 * health and the SW's version for the page and tests, and an unregister
 * switch for when a user wants the plain server back (or resets the origin).
 */
export function controlHandler (components: ControlHandlerComponents): Handler {
  return {
    id: 'control',
    canHandle (request, url) {
      // unregistering changes state: only a same-origin POST from a page does it, never a
      // navigation (which another site can cause with a link or a form)
      return (GET_PATHS.has(url.pathname) && request.method === 'GET') ||
        (url.pathname === SW_UNREGISTER_PATH && request.method === 'POST' && request.mode !== 'navigate')
    },
    async handle (_request, url) {
      if (url.pathname === SW_UNREGISTER_PATH) {
        await components.unregister()
        return Response.json({ unregistered: true })
      }
      const body = url.pathname === EDGES_STATUS_PATH
        ? await components.edges()
        : url.pathname === SW_VERSION_PATH ? { version: components.version } satisfies SwVersion : components.stats()
      return Response.json(body, { headers: { 'Cache-Control': 'no-store' } })
    }
  }
}
