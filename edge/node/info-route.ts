import type { HttpRoute } from './http-server.ts'
import type { EdgeInfo } from './types.ts'

/**
 * `GET /info`: the edge's `EdgeInfo`, the same JSON `npm run edge -- --json` prints.
 */
export function infoRoute (getInfo: () => EdgeInfo): HttpRoute {
  return {
    id: 'info',
    canHandle: (url) => url.pathname === '/info',
    handle: async ({ res, head }) => {
      const body = JSON.stringify(getInfo())
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store'
      })
      res.end(head ? undefined : body)
    }
  }
}
