import type { Page } from 'playwright-core'

export interface ManyRequest {
  url: string
  headers?: Record<string, string>
}

export interface ManyResult {
  /** The HTTP status, or 0 when fetch() failed or the deadline passed */
  status: number
  /** From fetch() until the whole body was read */
  ms: number
  /** Why there is no status: the fetch() error, or "deadline" */
  error?: string
  /** The body is Edgeway's error page (HTML with data-testid="error", or its JSON) */
  errorPage: boolean
  /** Hex SHA-256 of the body, when asked for */
  sha256?: string
  length: number
}

export interface SendManyOptions {
  /** Requests in flight at once */
  concurrency: number
  /** A request not answered (body included) within this long counts as failed */
  deadlineMs: number
  /** Hash every body (costs time on large ones) */
  hash?: boolean
  /** Requests handed to the page per evaluate call, to keep each call's payload small */
  chunk?: number
}

/**
 * Sends many requests from the page (so through its service worker) with a
 * bounded number in flight, and reports each one's status and time. Nothing
 * is thrown: a request that fails or misses its deadline says so in its result.
 */
export async function sendMany (page: Page, requests: ManyRequest[], { concurrency, deadlineMs, hash = false, chunk = 500 }: SendManyOptions): Promise<ManyResult[]> {
  const results: ManyResult[] = []
  for (let from = 0; from < requests.length; from += chunk) {
    results.push(...await page.evaluate(async ({ requests, concurrency, deadlineMs, hash }) => {
      const out: ManyResult[] = new Array(requests.length)
      let next = 0
      const one = async ({ url, headers }: ManyRequest): Promise<ManyResult> => {
        const started = performance.now()
        const ms = (): number => Math.round(performance.now() - started)
        try {
          const response = await fetch(url, { headers, signal: AbortSignal.timeout(deadlineMs) })
          const body = new Uint8Array(await response.arrayBuffer())
          const text = (response.headers.get('content-type') ?? '').includes('json') || (response.headers.get('content-type') ?? '').includes('html')
            ? new TextDecoder().decode(body.subarray(0, 8192))
            : ''
          const errorPage = text.includes('data-testid="error"') || /^\{"status":\d+,"error":"/.test(text)
          const digest = hash ? Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', body)), b => b.toString(16).padStart(2, '0')).join('') : undefined
          return { status: response.status, ms: ms(), errorPage, sha256: digest, length: body.byteLength }
        } catch (err) {
          const error = err instanceof DOMException && err.name === 'TimeoutError' ? 'deadline' : String(err)
          return { status: 0, ms: ms(), error, errorPage: false, length: 0 }
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
        while (next < requests.length) {
          const i = next++
          out[i] = await one(requests[i])
        }
      }))
      return out
    }, { requests: requests.slice(from, from + chunk), concurrency, deadlineMs, hash }))
  }
  return results
}
