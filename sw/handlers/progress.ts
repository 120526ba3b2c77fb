import { statusOf } from '../../src/lib/error-to-response.ts'
import { loaderTarget } from '../../src/lib/loader-target.ts'
import { PROGRESS_PATH, PROGRESS_STATE_PATH, progressUrl } from '../../src/lib/navigation-progress.ts'
import { isSharedOriginContent } from '../../src/lib/subdomain-gateway.ts'
import { progressHeaders, shellPage } from '../loader-page.ts'
import { ProgressBoard } from '../progress-board.ts'
import type { ContentHandler } from './content.ts'
import type { Handler } from '../pipeline.ts'
import type { FollowedNavigation } from '../progress-board.ts'
import type { NavigationProgress } from '../../src/lib/navigation-progress.ts'
import type { SourceCounts } from '../../src/lib/types.ts'

/**
 * How long a navigation may wait for its first byte before it is answered
 * with the progress page: about what people wait before they wonder.
 *
 * @default 1000
 */
export const FIRST_BYTE_MS = 1_000

/**
 * A followed answer this large (or any audio or video) is shown as soon as
 * its first byte is here, streaming as it comes: waiting for all of it
 * would keep a film behind the progress page.
 *
 * @default 16 MiB
 */
export const STREAM_FROM_BYTES = 16 * 1024 * 1024

export interface ProgressHandlerComponents {
  /** The SW's own origin */
  origin: string
  /** The gateway's own host: `<root>.ipfs.<gatewayHost>` are its subdomain origins */
  gatewayHost: string
  /** What answers the content */
  content: ContentHandler
  /** Where the SW looks for content (the node's edges and routers): a failure shows it */
  tried(): Promise<NavigationProgress['tried']>
  /**
   * The progress page's script in the page build (`assets/progress-….js`),
   * or undefined where there is none: then every navigation waits for its content
   */
  script?: string
}

/**
 * A page navigation whose first byte has not come within FIRST_BYTE_MS is
 * answered with a progress page, while the SW goes on fetching it: every
 * block verified and stored as it comes, the bytes read and dropped. The page
 * polls PROGRESS_STATE_PATH for the bytes by source, then loads the link
 * again, answered from the store, or shows the failure and what was tried.
 * Only top-level page loads: a subresource, a fetch(), a range, a download
 * (`?download=true`, `?format=`) always gets the content itself.
 *
 * On a shared origin (path mode) content URLs are only ever answered as
 * content, sandboxed: the navigation is redirected to PROGRESS_PATH, a
 * gateway page, as the loader's is.
 */
export function progressHandler (components: ProgressHandlerComponents): Handler {
  const { content, script } = components
  const board = new ProgressBoard()
  const own = (request: Request, url: URL): boolean => script != null && request.method === 'GET' && url.origin === components.origin &&
    (url.pathname === PROGRESS_PATH || url.pathname === PROGRESS_STATE_PATH)
  return {
    id: 'progress',
    canHandle: (request, url) => own(request, url) || content.canHandle(request, url),
    async handle (request, url, waitUntil) {
      if (own(request, url)) {
        const target = loaderTarget(url, components.gatewayHost, url.pathname)
        if (url.pathname === PROGRESS_PATH) {
          return page(script!, 0)
        }
        const state = board.get(`${url.origin}${target}`)
        return new Response(JSON.stringify(state ?? { state: 'unknown' }), { status: state == null ? 404 : 200, headers: progressHeaders(0, { 'Content-Type': 'application/json' }) })
      }
      if (script == null || !followable(request, url)) {
        return content.handle(request, url, waitUntil)
      }
      const started = performance.now()
      const early: SourceCounts = { cache: 0, edge: 0, peer: 0 }
      let followed: FollowedNavigation | undefined
      let error: unknown
      // the fetch follows the navigation until the progress page answers it, then goes on by itself (the fetcher's
      // idle limit still ends it when no source delivers)
      const fetching = new AbortController()
      request.signal.addEventListener('abort', () => { if (followed == null) fetching.abort(request.signal.reason) }, { once: true })
      const answer = content.handle(request, url, waitUntil, {
        signal: fetching.signal,
        onUse: (source, blocks, bytes) => {
          if (followed == null) early[source] += bytes
          else followed.onUse(source, blocks, bytes)
        },
        onError: err => { error = err }
      })
      // the content engine answers a file once its first bytes are verified (they name its type), and a listing or
      // a redirect once it is made: its answer is the first byte, with no need to read the body here
      const first = await Promise.race([answer, new Promise<undefined>(resolve => {
        const timer = setTimeout(resolve, FIRST_BYTE_MS)
        answer.finally(() => { clearTimeout(timer) }).catch(() => {})
      })])
      if (first != null) {
        return first
      }
      const target = `${url.pathname}${url.search}`
      const following = board.follow(`${url.origin}${target}`, target, await components.tried().catch(() => ({ edges: [], routers: [] })))
      followed = following
      for (const source of ['cache', 'edge', 'peer'] as const) following.onUse(source, 0, early[source])
      waitUntil(answer.then(async response => finish(response, following, error), (err: unknown) => {
        following.failed(statusOf(err), describe(err))
      }))
      const ms = performance.now() - started
      if (!isSharedOriginContent(url, components.gatewayHost)) {
        return page(script, ms)
      }
      return new Response(null, { status: 303, headers: progressHeaders(ms, { Location: progressUrl(target) }) })
    }
  }
}

function page (script: string, ms: number): Response {
  return new Response(shellPage(script, 'Fetching · Edgeway', 'Fetching and verifying…'), { status: 200, headers: progressHeaders(ms, { 'Content-Type': 'text/html; charset=utf-8' }) })
}

/** A page load that shows in the tab: never a subresource, a fetch(), a range or a download */
function followable (request: Request, url: URL): boolean {
  return request.mode === 'navigate' && request.method === 'GET' && /\btext\/html\b/.test(request.headers.get('accept') ?? '') &&
    !request.headers.has('range') && url.searchParams.get('download') !== 'true' && !url.searchParams.has('format')
}

/**
 * The rest of a followed navigation's answer, read and dropped (its blocks
 * are stored as they are verified), then done; a large file or media is
 * done at its first byte (STREAM_FROM_BYTES); an error answer is a failure
 * with the error it says (the content handler's `onError`) and its status.
 */
async function finish (response: Response, followed: FollowedNavigation, error: unknown): Promise<void> {
  if (response.status >= 400) {
    await response.body?.cancel().catch(() => {})
    followed.failed(response.status, error == null ? `HTTP ${response.status}` : describe(error))
    return
  }
  if (/^(audio|video)\//.test(response.headers.get('content-type') ?? '') || Number(response.headers.get('content-length')) > STREAM_FROM_BYTES) {
    await response.body?.cancel().catch(() => {})
    followed.done()
    return
  }
  try {
    const reader = response.body?.getReader()
    while (reader != null && (await reader.read()).done !== true) {}
    followed.done()
  } catch (err) {
    followed.failed(statusOf(err), describe(err))
  }
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
