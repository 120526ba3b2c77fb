import type { Page } from 'playwright-core'

export interface FetchResult {
  status: number
  headers: Record<string, string>
  sha256: string
  length: number
  text: string
}

/** fetch() inside the page (so through its service worker) and hash the body there. */
export async function fetchInPage (page: Page, url: string, init: { headers?: Record<string, string> } = {}): Promise<FetchResult> {
  return page.evaluate(fetchAndHash, { url, init })
}

/**
 * What fetchInPage runs in the page (Playwright's and puppeteer's alike): it
 * is sent there as its source, so it uses nothing from outside itself.
 */
export async function fetchAndHash ({ url, init }: { url: string, init: { headers?: Record<string, string> } }): Promise<FetchResult> {
  const response = await fetch(url, init)
  const body = new Uint8Array(await response.arrayBuffer())
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
  const type = response.headers.get('content-type') ?? ''
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''),
    length: body.byteLength,
    text: type.includes('text/') || type.includes('json') ? new TextDecoder().decode(body.slice(0, 4096)) : ''
  }
}

/** Open a gateway URL in a page that may not have the SW yet: wait for the bootstrap reload to finish. */
export async function openThroughServiceWorker (page: Page, url: string, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<void> {
  await page.goto(url, { timeout: timeoutMs })
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null && document.querySelector('[data-testid="bootstrap"]') == null, null, { timeout: timeoutMs })
}

/**
 * Writes one value into an IndexedDB object store of the page's origin,
 * creating the database at `version` (with the store) if it is not there.
 * Bytes go as a number array and are stored as a Uint8Array.
 */
export async function putInIndexedDb (page: Page, { db, version = 1, store, key, value }: { db: string, version?: number, store: string, key: string, value: string | number[] }): Promise<void> {
  await page.evaluate(async ({ db, version, store, key, value }) => {
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open(db, version)
      open.onupgradeneeded = () => { open.result.createObjectStore(store) }
      open.onerror = () => { reject(open.error) }
      open.onsuccess = () => {
        const tx = open.result.transaction(store, 'readwrite')
        tx.objectStore(store).put(typeof value === 'string' ? value : new Uint8Array(value), key)
        tx.oncomplete = () => { open.result.close(); resolve() }
        tx.onerror = () => { reject(tx.error) }
      }
    })
  }, { db, version, store, key, value })
}

/** When the running SW instance started (`/_edgeway/stats`): a crash or restart shows as a later time. */
export async function swStartedAt (page: Page): Promise<number> {
  return page.evaluate(async () => ((await (await fetch('/_edgeway/stats')).json()) as { startedAt: number }).startedAt)
}

/** Bytes the running SW has taken from edges so far (`/_edgeway/stats`): a difference says what a request fetched. */
export async function swEdgeBytes (page: Page): Promise<number> {
  return page.evaluate(async () => ((await (await fetch('/_edgeway/stats')).json()) as { bytes: { edge: number } }).bytes.edge)
}
