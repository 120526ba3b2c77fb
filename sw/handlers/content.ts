import { NotSupportedError } from '../../src/lib/errors.ts'
import { fetchContent } from '../../src/lib/fetch-content.ts'
import { parseGatewayPath } from '../../src/lib/parse-gateway-url.ts'
import type { Handler } from '../pipeline.ts'
import type { EdgeNode } from '../../src/lib/node/create-edge-node.ts'
import type { BlockSource } from '../../src/lib/types.ts'

export interface ContentHandlerComponents {
  node(): Promise<EdgeNode>
  /** Pick up a changed edgeway.json (the gateway restarted with other edges) */
  refresh(): Promise<void>
  onBlock(source: BlockSource): void
  onRequest(): void
}

const CONTENT_PATH = /^\/ip[fn]s(\/|$)/

/** Answers `/ipfs/<cid>/<path>` and `/ipns/<name>/<path>` with verified bytes. */
export function contentHandler (components: ContentHandlerComponents): Handler {
  return {
    id: 'content',
    canHandle (request, url) {
      return (request.method === 'GET' || request.method === 'HEAD') && CONTENT_PATH.test(url.pathname)
    },
    async handle (request, url, waitUntil) {
      const address = parseGatewayPath(url.pathname, url.search)
      if (address == null) {
        throw new NotSupportedError(`Not a content path: ${url.pathname}`)
      }
      components.onRequest()
      if (request.mode === 'navigate') {
        // a page load is when a restarted gateway's new edges must be picked up
        await components.refresh()
      }
      const node = await components.node()
      let done: () => void = () => {}
      waitUntil(new Promise<void>(resolve => { done = resolve }).then(async () => node.flush()))
      const response = await fetchContent(node, address, {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        // a directory without its trailing slash is a 301, so its relative links resolve
        redirect: 'manual',
        onBlock: components.onBlock,
        onDone: () => { done() }
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
