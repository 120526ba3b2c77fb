import type { Page } from 'playwright-core'

export interface ReadResult {
  status: number
  /** The body ended in an error (the SW gave up on it) instead of at its end */
  broken: boolean
  /** Of the bytes received, however the body ended */
  length: number
  sha256: string
  /** The start of the body of an answer other than 200 (an error page) */
  text: string
}

export interface ReadOptions {
  /**
   * Once this many bytes arrived, await the page's `onBytes()` (a function
   * the test exposes with `page.exposeFunction`), then read on
   */
  pauseAt?: number
}

/**
 * fetch() in the page (so through its SW) and read the body as a download
 * would, keeping what arrived even when the body breaks off: a test can then
 * tell a whole file, a prefix of it, and other bytes apart.
 */
export async function readInPage (page: Page, url: string, { pauseAt }: ReadOptions = {}): Promise<ReadResult> {
  return page.evaluate(async ({ url, pauseAt }) => {
    const response = await fetch(url)
    const chunks: Uint8Array[] = []
    let received = 0
    let paused = false
    let broken = false
    try {
      const reader = response.body!.getReader()
      for (let r = await reader.read(); r.done !== true; r = await reader.read()) {
        chunks.push(r.value)
        received += r.value.byteLength
        if (pauseAt != null && !paused && received >= pauseAt) {
          paused = true
          await (window as unknown as { onBytes(): Promise<void> }).onBytes()
        }
      }
    } catch {
      broken = true
    }
    const body = new Uint8Array(received)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
    return {
      status: response.status,
      broken,
      length: received,
      sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''),
      text: response.status === 200 ? '' : new TextDecoder().decode(body.slice(0, 4096))
    }
  }, { url, pauseAt })
}
