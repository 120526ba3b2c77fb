import { sandboxed } from '../../src/lib/content-sandbox.ts'
import { errorToResponse } from '../../src/lib/error-to-response.ts'
import { NotSupportedError } from '../../src/lib/errors.ts'
import { createContentFetcher } from '../../src/content/content-fetcher.ts'
import type { ContentFetcher } from '../../src/content/content-fetcher.ts'
import { parseGatewayPath } from '../../src/lib/parse-gateway-url.ts'
import { contentPathFor, gatewayLocationFor, isSharedOriginContent, toSubdomainUrl } from '../../src/lib/subdomain-gateway.ts'
import type { Handler } from '../pipeline.ts'
import type { EdgeNode } from '../../src/node/create-edge-node.ts'
import type { SourceUseListener } from '../../src/lib/source-tally.ts'

export interface ContentHandlerComponents {
  /**
   * The SW's own origin: only requests to it are answered. A page's fetch of
   * another server's `/ipfs/…` URL (an edge's trustless gateway, another
   * gateway) goes to that server, as the page asked.
   *
   * @default any origin
   */
  origin?: string
  /** The gateway's own host (`localhost:8080`): `<root>.ipfs.<gatewayHost>` are its subdomain origins */
  gatewayHost: string
  /** Subdomain mode (edgeway.json): path URLs on the gateway host move to their root's own origin */
  subdomains(): Promise<boolean>
  node(): Promise<EdgeNode>
  /** Pick up a changed edgeway.json (the gateway restarted with other edges) */
  refresh(): Promise<void>
  /** A response's counts grew: a block used from `source`, and its bytes */
  onUse: SourceUseListener
  onRequest(): void
}

/**
 * Answers `/ipfs/<cid>/<path>`, `/ipns/<name>/<path>`, and any path on a
 * `<cid>.ipfs.` or `<name>.ipns.` origin, with verified bytes. Path-form
 * content on a shared origin is answered sandboxed, its errors included:
 * every document it can make the browser load there runs no script.
 */
export function contentHandler (components: ContentHandlerComponents): Handler {
  const answer = contentAnswer(components)
  return {
    ...answer,
    async handle (request, url, waitUntil) {
      if (!isSharedOriginContent(url, components.gatewayHost)) {
        return answer.handle(request, url, waitUntil)
      }
      try {
        return sandboxed(await answer.handle(request, url, waitUntil))
      } catch (err) {
        return sandboxed(errorToResponse(err, { accept: request.headers.get('accept') }))
      }
    }
  }
}

function contentAnswer (components: ContentHandlerComponents): Handler {
  // one content fetcher per node: what a node's navigations fetch whole is shared by its requests
  const fetchers = new WeakMap<EdgeNode, ContentFetcher>()
  const fetcherFor = (node: EdgeNode): ContentFetcher => {
    let fetcher = fetchers.get(node)
    if (fetcher == null) {
      fetcher = createContentFetcher(node)
      fetchers.set(node, fetcher)
    }
    return fetcher
  }
  return {
    id: 'content',
    canHandle (request, url) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || (components.origin != null && url.origin !== components.origin)) {
        return false
      }
      try {
        return contentPathFor(url, components.gatewayHost) != null
      } catch {
        // a subdomain whose label names no content is still ours: handle() answers 400
        return true
      }
    },
    async handle (request, requestUrl, waitUntil) {
      // on a subdomain origin `/<path>` is `/ipfs/<root>/<path>`: from here on, the path form
      const url = new URL(contentPathFor(requestUrl, components.gatewayHost) ?? requestUrl.href, requestUrl)
      // a page (or frame) in subdomain mode is loaded on its root's own origin, never the gateway's
      if (request.mode === 'navigate' && await components.subdomains()) {
        const target = toSubdomainUrl(requestUrl, components.gatewayHost)
        if (target != null) {
          return Response.redirect(target, 301)
        }
      }
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
      const response = await fetcherFor(node).fetch(address, {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        // a directory without its trailing slash is a 301, so its relative links resolve
        redirect: 'manual',
        // on a root's own origin its _redirects file applies (the spec limits it to such origins)
        originRoot: url.href !== requestUrl.href,
        navigation: request.mode === 'navigate',
        onUse: components.onUse,
        onDone: () => { done() }
      })
      return toGatewayLocation(response, requestUrl, components.gatewayHost)
    }
  }
}

/**
 * verified-fetch redirects to `ipfs://` URLs; a browser needs the path form on
 * the gateway, and a path on the same origin on a subdomain origin.
 */
export function toGatewayLocation (response: Response, url: URL, gatewayHost = url.host): Response {
  const location = response.headers.get('location')
  if (location == null || !/^(ip[fn]s:\/\/|\/ip[fn]s\/)/.test(location)) {
    return response
  }
  const target = gatewayLocationFor(location, url, gatewayHost)
  try {
    response.headers.set('location', target)
    return response
  } catch {
    // immutable headers (`Response.redirect`): a copy
    const headers = new Headers(response.headers)
    headers.set('location', target)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}
