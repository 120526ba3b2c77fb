import { openThroughServiceWorker } from '../support/page-helpers.ts'
import type { Observed } from './types.ts'
import type { BrowserContext, Page, Response } from 'playwright-core'

export interface ObserveRequest {
  /** `http://localhost:<port>` or `http://<cid>.ipfs.localhost:<port>` */
  origin: string
  method: string
  /** path and query, already encoded */
  target: string
  headers: Record<string, string>
  /** send as a navigation, so a redirect's status and Location can be read */
  navigate: boolean
}

export type Observation = { observed: Observed } | { error: string }

export interface ObserverOptions {
  /**
   * How long an origin may take to get its service worker
   *
   * @default 30000
   */
  originTimeoutMs?: number
  /**
   * How long one request may take (the gateway's own timeout should answer well before)
   *
   * @default 30000
   */
  requestTimeoutMs?: number
}

export interface OriginOpening {
  origin: string
  ms: number
  error?: string
}

export interface Observer {
  /** Gets the origin's pages ready, once: the SW installed and controlling. Resolves to why not, if it could not. */
  open(origin: string): Promise<string | undefined>
  /** Sends one request; opens its origin first if need be. */
  observe(request: ObserveRequest): Promise<Observation>
  /** every origin opened so far, with how long it took */
  openings(): OriginOpening[]
}

interface OriginPages {
  /** stays on the origin; sends every fetch() */
  fetcher: Page
  /** navigated to each redirect case, one at a time */
  navigator: Page
  /** the end of the chain of navigations queued on `navigator` */
  navigations: Promise<unknown>
}

/**
 * Sends conformance requests through the Edgeway service worker, from inside pages of
 * one browser context: one page per origin for fetch(), opened through the gateway so
 * its SW controls it, and one per origin for navigations.
 */
export function createObserver (context: BrowserContext, { originTimeoutMs = 30_000, requestTimeoutMs = 30_000 }: ObserverOptions = {}): Observer {
  const origins = new Map<string, Promise<OriginPages>>()
  const openings: OriginOpening[] = []

  const pagesFor = async (origin: string): Promise<OriginPages> => {
    let pages = origins.get(origin)
    if (pages == null) {
      const started = Date.now()
      pages = (async () => {
        const fetcher = await context.newPage()
        await openThroughServiceWorker(fetcher, `${origin}/`, { timeoutMs: originTimeoutMs })
        return { fetcher, navigator: await context.newPage(), navigations: Promise.resolve() }
      })()
      pages.then(
        () => { openings.push({ origin, ms: Date.now() - started }) },
        (err: unknown) => { openings.push({ origin, ms: Date.now() - started, error: firstLine(err) }) }
      )
      origins.set(origin, pages)
    }
    return pages
  }

  const open = async (origin: string): Promise<string | undefined> => {
    try {
      await pagesFor(origin)
      return undefined
    } catch (err) {
      return `the service worker did not take ${origin} over: ${firstLine(err)}`
    }
  }

  return {
    open,
    async observe (request) {
      const notOpen = await open(request.origin)
      if (notOpen != null) {
        return { error: notOpen }
      }
      const pages = await pagesFor(request.origin)
      if (!request.navigate) {
        return viaFetch(pages.fetcher, request, requestTimeoutMs)
      }
      const turn = pages.navigations.then(async () => viaNavigation(pages.navigator, request, requestTimeoutMs))
      pages.navigations = turn.catch(() => {})
      return turn
    },
    openings: () => [...openings]
  }
}

interface InPageResult {
  type?: ResponseType
  status?: number
  headers?: Array<[string, string]>
  base64?: string
  error?: string
}

/**
 * fetch() exactly as the case says: its method and headers (the browser adds its own,
 * such as `Accept: *\/*` when none is given), no redirects followed, no HTTP cache.
 */
async function viaFetch (page: Page, request: ObserveRequest, timeoutMs: number): Promise<Observation> {
  const url = new URL(request.target, request.origin).href
  // the page sees a redirect as an opaque response; the browser's own record of it has the status and Location
  const seen = page.waitForResponse(r => r.url() === url && r.request().method() === request.method && r.request().resourceType() === 'fetch', { timeout: timeoutMs })
  seen.catch(() => {})
  const result = await page.evaluate(async ({ url, method, headers, timeoutMs }): Promise<InPageResult> => {
    try {
      const response = await fetch(url, { method, headers, redirect: 'manual', cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) })
      const body = new Uint8Array(await response.arrayBuffer())
      let binary = ''
      for (let i = 0; i < body.byteLength; i += 0x8000) binary += String.fromCharCode(...body.subarray(i, i + 0x8000))
      return { type: response.type, status: response.status, headers: [...response.headers], base64: btoa(binary) }
    } catch (err) {
      return { error: String(err) }
    }
  }, { url, method: request.method, headers: request.headers, timeoutMs })

  if (result.error != null) {
    return { error: `fetch failed: ${result.error}` }
  }
  if (result.type === 'opaqueredirect') {
    try {
      return { observed: await fromPlaywright(await seen) }
    } catch (err) {
      return { error: `a redirect the page cannot read, and the browser reported no response for it: ${firstLine(err)}` }
    }
  }
  return { observed: { status: result.status!, headers: result.headers!, body: new Uint8Array(Buffer.from(result.base64!, 'base64')) } }
}

/**
 * A navigation to the URL: the first response of its chain is what the SW answered (a
 * redirect has no body to read). The page may then go on to the redirect's target, or
 * start a download; neither matters here.
 */
async function viaNavigation (page: Page, request: ObserveRequest, timeoutMs: number): Promise<Observation> {
  const url = new URL(request.target, request.origin).href
  await page.setExtraHTTPHeaders(request.headers)
  try {
    const responded = page.waitForResponse(r => r.url() === url && r.request().isNavigationRequest(), { timeout: timeoutMs })
    const navigated = page.goto(url, { waitUntil: 'commit', timeout: timeoutMs }).catch(() => {})
    const response = await responded
    await navigated
    return { observed: await fromPlaywright(response) }
  } catch (err) {
    return { error: `navigation failed: ${firstLine(err)}` }
  } finally {
    await page.setExtraHTTPHeaders({})
  }
}

async function fromPlaywright (response: Response): Promise<Observed> {
  const body = await response.body().catch(() => new Uint8Array())
  return {
    status: response.status(),
    headers: (await response.headersArray()).map(({ name, value }): [string, string] => [name, value]),
    body: new Uint8Array(body)
  }
}

function firstLine (err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]
}
