import type { PageCache } from '../page-cache.ts'
import type { Handler } from '../pipeline.ts'

export interface PageHandlerComponents {
  /** The gateway's origin: only its own page is answered here */
  origin: string
  /** The page's built files and the cache that keeps them */
  page: Pick<PageCache, 'files' | 'open'>
  /** `/edgeway.json` as the SW last read it, for when the server cannot be reached */
  cachedConfig(): Promise<Response | undefined>
  /** The network */
  fetch: typeof fetch
  /**
   * How long the network may take before the kept copy is answered
   *
   * @default 3000
   */
  networkTimeoutMs?: number
}

const CONFIG_PATH = '/edgeway.json'

/**
 * The gateway page with the network cut: `/` and `/edgeway.json` from the
 * server when it answers (a new deployment shows at once) and from what the
 * SW kept when it does not; the page's hashed assets from the cache first,
 * since their names change whenever their bytes do.
 */
export function pageHandler (components: PageHandlerComponents): Handler {
  const timeoutMs = components.networkTimeoutMs ?? 3_000
  const fromNetwork = async (url: URL, request: Request): Promise<Response> => {
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), request.signal])
    return components.fetch(url.href, { signal, cache: 'no-cache' })
  }
  return {
    id: 'page',
    canHandle (request, url) {
      return request.method === 'GET' && url.origin === components.origin &&
        (url.pathname === '/' || url.pathname === CONFIG_PATH || components.page.files.has(url.pathname))
    },
    async handle (request, url, waitUntil) {
      if (url.pathname === '/' || url.pathname === '/index.html' || url.pathname === CONFIG_PATH) {
        try {
          return await fromNetwork(url, request)
        } catch (err) {
          const kept = url.pathname === CONFIG_PATH ? await components.cachedConfig() : await (await components.page.open()).match('/index.html')
          if (kept == null) throw err
          return kept
        }
      }
      const cache = await components.page.open()
      const kept = await cache.match(url.pathname)
      if (kept != null) {
        return kept
      }
      const response = await components.fetch(url.href, { signal: request.signal })
      if (response.ok) {
        // not kept when the SW activated (the server was away, or a rebuild was under way): keep it now
        const copy = response.clone()
        waitUntil(cache.put(url.pathname, copy).catch(() => {}))
      }
      return response
    }
  }
}
