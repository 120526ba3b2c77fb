import { sandboxed } from '../../src/lib/content-sandbox.ts'
import { withHeader } from '../../src/lib/response-headers.ts'
import { errorToResponse } from '../../src/lib/error-to-response.ts'
import { NotSupportedError } from '../../src/lib/errors.ts'
import { createContentFetcher } from '../../src/content/content-fetcher.ts'
import type { ContentFetcher } from '../../src/content/content-fetcher.ts'
import { canonicalContentPath, parseGatewayPath } from '../../src/lib/parse-gateway-url.ts'
import { contentPathFor, gatewayLocationFor, isSharedOriginContent, toSubdomainUrl } from '../../src/lib/subdomain-gateway.ts'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { isFileRequest, isWholeFileResponse } from '../../src/lib/verified-file-rules.ts'
import type { Handler, WaitUntil } from '../pipeline.ts'
import type { ProgressReport } from '../progress-reports.ts'
import type { EdgeNode } from '../../src/node/create-edge-node.ts'
import type { SourceUseListener } from '../../src/lib/source-tally.ts'
import type { SourceCounts } from '../../src/lib/types.ts'
import type { VerifiedFiles } from '../../src/content/verified-files.ts'

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
  /**
   * The report of a request whose page follows it (`ProgressReports`): told
   * each block the response uses, and when the fetch ends
   *
   * @default no request is followed
   */
  progress?(request: Request): ProgressReport | undefined
  /**
   * Whole verified files kept for this origin, or undefined where every read
   * re-verifies its blocks (`warmReadMode` decides)
   *
   * @default every read re-verifies
   */
  files?(): Promise<VerifiedFiles | undefined>
}

/** What one request's caller follows of its answer (the progress page: the blocks it used as they come) */
export interface ContentHooks {
  onUse?: SourceUseListener
  /** The answer is an error: the one it says */
  onError?(err: unknown): void
  /**
   * Ends the fetch in place of the request's own signal: a navigation
   * answered with the progress page is fetched on after its request is done
   *
   * @default request.signal
   */
  signal?: AbortSignal
}

/** The content handler: a Handler whose caller may follow one request's blocks */
export interface ContentHandler extends Handler {
  handle(request: Request, url: URL, waitUntil: WaitUntil, hooks?: ContentHooks): Promise<Response>
}

/**
 * Answers `/ipfs/<cid>/<path>`, `/ipns/<name>/<path>`, and any path on a
 * `<cid>.ipfs.` or `<name>.ipns.` origin, with verified bytes. Path-form
 * content on a shared origin is answered sandboxed, its errors included:
 * every document it can make the browser load there runs no script.
 */
export function contentHandler (components: ContentHandlerComponents): ContentHandler {
  const answer = contentAnswer(components)
  return {
    id: answer.id,
    canHandle: answer.canHandle,
    async handle (request, url, waitUntil, hooks = {}) {
      if (!isSharedOriginContent(url, components.gatewayHost)) {
        return answer.handle(request, url, waitUntil, undefined, hooks)
      }
      const files = await keptFilesFor(request, url, components)
      if (files != null) {
        const kept = await files.answer(request, url.pathname, { signal: request.signal }).catch(() => undefined)
        if (kept != null) {
          components.onRequest()
          if (kept.blocks > 0) {
            components.onUse('cache', kept.blocks, kept.bytes)
            components.progress?.(request)?.onUse('cache', kept.blocks, kept.bytes)
          }
          // kept with the sandbox's headers already: answered as the cache gives it
          return kept.response
        }
      }
      let counts: SourceCounts | undefined
      let response: Response
      try {
        response = sandboxed(await answer.handle(request, url, waitUntil, done => { counts = done }, hooks))
      } catch (err) {
        hooks.onError?.(err)
        return sandboxed(errorToResponse(err, { accept: request.headers.get('accept') }))
      }
      if (files == null || request.method !== 'GET' || request.headers.has('range') || !isWholeFileResponse(response.status, response.headers) || !fromStore(response.headers)) {
        return response
      }
      const blocks = (): number => counts == null ? 0 : counts.cache + counts.edge + counts.peer
      return files.keep(url.pathname, response, blocks, waitUntil).catch(() => response)
    }
  }
}

/**
 * A file is kept whole when it is read again, from this browser's block
 * store (its first bytes came from there), not on its first, cold read:
 * writing a copy to Cache Storage while the network delivers it costs that
 * read 10-20% of its speed (P1), and a file read once is not worth the space.
 */
function fromStore (headers: Headers): boolean {
  const counts = parseSourceHeader(headers.get('x-edgeway-source'))
  return counts != null && counts.edge === 0 && counts.peer === 0 && counts.cache > 0
}

/**
 * The kept files a request may be answered from (and may add to): a file
 * request, on an origin whose warm-read mode keeps files, and not a
 * navigation that subdomain mode moves to its root's own origin.
 */
async function keptFilesFor (request: Request, url: URL, components: ContentHandlerComponents): Promise<VerifiedFiles | undefined> {
  if (!isFileRequest(request.method, url.pathname, url.search, request.headers.get('accept'))) {
    return undefined
  }
  const files = await components.files?.().catch(() => undefined)
  if (files == null || (request.mode === 'navigate' && await components.subdomains())) {
    return undefined
  }
  return files
}

interface ContentAnswer extends Handler {
  handle(request: Request, url: URL, waitUntil: WaitUntil, onDone?: (counts: SourceCounts) => void, hooks?: ContentHooks): Promise<Response>
}

function contentAnswer (components: ContentHandlerComponents): ContentAnswer {
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
    async handle (request, requestUrl, waitUntil, onDone, hooks = {}) {
      // on a subdomain origin `/<path>` is `/ipfs/<root>/<path>`: from here on, the path form
      const url = new URL(contentPathFor(requestUrl, components.gatewayHost) ?? requestUrl.href, requestUrl)
      // a page (or frame) in subdomain mode is loaded on its root's own origin, never the gateway's
      if (request.mode === 'navigate' && await components.subdomains()) {
        const target = toSubdomainUrl(requestUrl, components.gatewayHost)
        if (target != null) {
          return Response.redirect(target, 301)
        }
      }
      // one URL per content, as subdomain labels have: a CIDv1 in another base or case moves to base32, lower case
      const canonical = canonicalContentPath(url.pathname, url.search)
      if (canonical != null) {
        return Response.redirect(new URL(canonical, requestUrl).href, 301)
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
      const report = components.progress?.(request)
      report?.fetching()
      const response = await fetcherFor(node).fetch(address, {
        method: request.method,
        headers: request.headers,
        signal: hooks.signal ?? request.signal,
        // a directory without its trailing slash is a 301, so its relative links resolve
        redirect: 'manual',
        // on a root's own origin its _redirects file applies (the spec limits it to such origins)
        originRoot: url.href !== requestUrl.href,
        navigation: request.mode === 'navigate',
        // an error page on a root's own origin links to the gateway's origin: `/` there is the content's
        gatewayUrl: url.href !== requestUrl.href ? `${requestUrl.protocol}//${components.gatewayHost}/` : undefined,
        onUse: allOf(components.onUse, hooks.onUse, report?.onUse),
        onDone: counts => {
          onDone?.(counts)
          report?.done()
          done()
        },
        onError: hooks.onError
      }).catch(err => {
        report?.done()
        throw err
      })
      return toGatewayLocation(response, requestUrl, components.gatewayHost)
    }
  }
}

/** One listener that tells each of those given: the first alone when no other is */
function allOf (first: SourceUseListener, ...others: Array<SourceUseListener | undefined>): SourceUseListener {
  const more = others.filter(listener => listener != null)
  if (more.length === 0) return first
  return (source, blocks, bytes) => {
    first(source, blocks, bytes)
    for (const listener of more) listener(source, blocks, bytes)
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
  return withHeader(response, 'location', gatewayLocationFor(location, url, gatewayHost))
}
