import { fetchContent } from '../../src/lib/fetch-content.ts'
import { parseGatewayPath } from '../../src/lib/parse-gateway-url.ts'
import type { Handler } from '../pipeline.ts'
import type { EdgeNode } from '../../src/lib/node/create-edge-node.ts'
import type { BlockSource } from '../../src/lib/types.ts'

export interface ContentHandlerComponents {
  node(): Promise<EdgeNode>
  onBlock(source: BlockSource): void
  onRequest(): void
}

/** Answers `/ipfs/<cid>/<path>` with verified bytes. */
export function contentHandler (components: ContentHandlerComponents): Handler {
  return {
    id: 'content',
    canHandle (request, url) {
      return (request.method === 'GET' || request.method === 'HEAD') && (url.pathname === '/ipfs' || url.pathname.startsWith('/ipfs/'))
    },
    async handle (request, url) {
      const address = parseGatewayPath(url.pathname, url.search)
      if (address == null) {
        throw new Error(`not a content path: ${url.pathname}`)
      }
      components.onRequest()
      const node = await components.node()
      const response = await fetchContent(node, address, {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        onBlock: components.onBlock
      })
      return toGatewayLocation(response, url)
    }
  }
}

/** verified-fetch redirects to `ipfs://` URLs; a browser on the gateway needs the path form. */
export function toGatewayLocation (response: Response, url: URL): Response {
  const location = response.headers.get('location')
  if (location == null || !location.startsWith('ipfs://')) {
    return response
  }
  const target = new URL(location)
  const headers = new Headers(response.headers)
  headers.set('location', new URL(`/ipfs/${target.hostname}${target.pathname}${target.search}`, url).toString())
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}
