import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnJson, spawnLauncher } from './support/processes.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { SlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

/** The thin uplink of the slow edge: a 256 KiB leaf takes over a second, the first byte of a large page later still */
const BYTES_PER_SECOND = 200_000
/** Where the progress page's screenshots go, to be looked at */
const SHOTS = process.env.EDGEWAY_SHOTS ?? tmpdir()
/** Short, so nobody-has-it ends soon */
const TIMEOUT_MS = 8_000

/** A page of about 1.4 MB of random text (no block shared with anything else; the site, over 4 MiB, is too big to be fetched whole on a first visit), known by its title */
function slowPage (title: string): string {
  return `<!doctype html><title>${title}</title><h1>${title}</h1><!-- ${Buffer.from(randomFile(700_000)).toString('hex')} -->`
}

/**
 * A person opening a large page from a slow edge sees what is fetched, from
 * where and how far it got, then the page; a link nobody holds ends in what
 * was tried; a quick page never shows progress; a fetch() and a download
 * always get the content itself.
 */
describe('progress for a navigation that is slow to start', () => {
  const pages = { 'slow.html': slowPage('Slow page'), 'path.html': slowPage('Path page'), 'fetched.html': slowPage('Fetched page') }
  const download = randomFile(700_000)
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Running<EdgeInfo>
  let throttle: Running<{ url: string }>
  let lagging: SlowEdgeProxy
  let slow: Running<LauncherInfo>
  let slowPaths: Running<LauncherInfo>
  let lagged: Running<LauncherInfo>
  let fast: Running<LauncherInfo>
  let browser: Browser
  let root: string

  beforeAll(async () => {
    site = await makeSite({ ...pages, 'quick.html': '<!doctype html><title>Quick page</title><p>quick</p>', 'file.bin': download })
    edge = await spawnEdge(['--serve', site.dir])
    root = edge.info.roots[site.dir]
    throttle = await spawnJson<{ url: string }>('e2e/support/throttled-edge-proxy.ts', ['--edge', JSON.stringify(edge.info), '--bytes-per-second', String(BYTES_PER_SECOND)])
    // every answer of this edge held back 1.5 s: a CID it lacks is a late 404
    lagging = await startSlowEdgeProxy(edge.info.http, 1_500)
    ;[slow, slowPaths, lagged, fast] = await Promise.all([
      spawnLauncher(['--edge', throttle.info.url]),
      spawnLauncher(['--edge', throttle.info.url, '--path-gateway']),
      spawnLauncher(['--edge', lagging.url, '--timeout-ms', String(TIMEOUT_MS)]),
      spawnLauncher(['--edge', edge.info.http])
    ])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    for (const running of [slow, slowPaths, lagged, fast]) expect(await running?.stop()).toBe(0)
    await lagging?.stop()
    await throttle?.stop()
    await edge?.stop()
    await site?.remove()
  })

  const freshPage = async (width = 1280): Promise<{ context: BrowserContext, page: Page }> => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width, height: 800 } })
    return { context, page: await context.newPage() }
  }

  /** Opens a link that is slow to start: the `data-bytes` seen while the progress page shows, until `title` does */
  async function watchProgress (page: Page, url: string, title: string, shot: string): Promise<number[]> {
    const seen: number[] = []
    await page.goto(url, { waitUntil: 'commit' })
    const deadline = Date.now() + 60_000
    while (await page.title().catch(() => '') !== title && Date.now() < deadline) {
      const bytes = await page.getByTestId('fetch-progress').getAttribute('data-bytes', { timeout: 200 }).catch(() => null)
      if (bytes != null && Number(bytes) > 0 && !seen.some(b => b > 0)) {
        await page.screenshot({ path: join(SHOTS, shot) }).catch(() => {})
      }
      if (bytes != null) seen.push(Number(bytes))
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return seen
  }

  async function expectProgressThenContent (page: Page, url: string, title: string, file: string): Promise<void> {
    const started = Date.now()
    const seen = await watchProgress(page, url, title, `fetch-progress-${file}-${page.viewportSize()?.width ?? 0}.png`)
    expect(await page.title()).toBe(title)
    // shown, growing, then the content: its exact bytes, answered from this browser's store
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.some(bytes => bytes > 0)).toBe(true)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(new Set(seen).size).toBeGreaterThan(1)
    // loaded again: quick now, from the store, as content (sandboxed in path mode)
    const again = await page.reload()
    expect(again?.headers()['server-timing'] ?? '').not.toMatch(/edgeway-progress/)
    expect(sha256(await again!.body())).toBe(sha256(new TextEncoder().encode(pages[file as keyof typeof pages])))
    process.stderr.write(`fetch-progress: ${file} shown after ${Date.now() - started} ms, data-bytes ${seen.filter((b, i) => b !== seen[i - 1]).join(' → ')}\n`)
  }

  it('subdomain mode: a large page from a slow edge shows fetch-progress with data-bytes growing, then the page', async () => {
    const { context, page } = await freshPage()
    await openThroughServiceWorker(page, `${slow.info.gateway}/ipfs/${root}/quick.html`)
    await expectProgressThenContent(page, `${slow.info.gateway}/ipfs/${root}/slow.html`, 'Slow page', 'slow.html')
    await context.close()
  })

  it('path mode: the same, through the gateway\'s progress page, the content still sandboxed', async () => {
    const { context, page } = await freshPage(360)
    await openThroughServiceWorker(page, `${slowPaths.info.gateway}/`)
    await expectProgressThenContent(page, `${slowPaths.info.gateway}/ipfs/${root}/path.html`, 'Path page', 'path.html')
    expect(new URL(page.url()).pathname).toBe(`/ipfs/${root}/path.html`)
    expect((await page.reload())?.headers()['content-security-policy']).toMatch(/sandbox/)
    await context.close()
  })

  it('a fetch() of a page is never answered with the progress page, however slow', async () => {
    const { context, page } = await freshPage()
    await openThroughServiceWorker(page, `${slow.info.gateway}/ipfs/${root}/quick.html`)
    const fetched = await fetchInPage(page, '/fetched.html', { headers: { Accept: 'text/html' } })
    expect(fetched.status).toBe(200)
    expect(fetched.sha256).toBe(sha256(new TextEncoder().encode(pages['fetched.html'])))
    await context.close()
  })

  it('a download from a slow edge is saved under its name with its exact bytes, never replaced by the progress page', async () => {
    const { context, page } = await freshPage()
    await openThroughServiceWorker(page, `${slow.info.gateway}/ipfs/${root}/quick.html`)
    const saved = page.waitForEvent('download', { timeout: 60_000 })
    // a navigation that becomes a download: Playwright's goto rejects ("Download is starting"), the page stays
    await page.goto(`${new URL(page.url()).origin}/file.bin?download=true&filename=${encodeURIComponent('saved name.bin')}`).catch(() => {})
    const file = await saved
    expect(file.suggestedFilename()).toBe('saved name.bin')
    expect(sha256(await readFile((await file.path())))).toBe(sha256(download))
    expect(await page.title()).toBe('Quick page')
    await context.close()
  })

  it('a link nobody holds, slow to fail: the progress page, then the status and what was tried', async () => {
    const { context, page } = await freshPage()
    await openThroughServiceWorker(page, `${lagged.info.gateway}/ipfs/${root}/quick.html`)
    const cid = await absentCid()
    const started = Date.now()
    await page.goto(`${lagged.info.gateway}/ipfs/${cid}/`, { waitUntil: 'commit' })
    const error = page.getByTestId('error')
    await error.waitFor({ timeout: 60_000 })
    const status = Number(await error.getAttribute('data-status'))
    expect([502, 504]).toContain(status)
    // the progress page's view of it: the status and what was tried
    expect(await page.getByTestId('fetch-progress').count()).toBe(1)
    expect(await error.textContent()).toContain(lagging.url)
    expect(await error.getAttribute('data-error')).toMatch(/Error$/)
    expect(await page.title()).toMatch(/^50[24] /)
    await page.screenshot({ path: join(SHOTS, 'fetch-progress-failed.png') }).catch(() => {})
    process.stderr.write(`fetch-progress: nobody has it, ${status} shown after ${Date.now() - started} ms (progress page: ${await page.getByTestId('fetch-progress').count() > 0})\n`)
    await context.close()
  })

  it('a quick page never shows the progress page', async () => {
    const { context, page } = await freshPage()
    await openThroughServiceWorker(page, `${fast.info.gateway}/ipfs/${root}/quick.html`)
    let progressShown = false
    page.on('response', response => { if (/edgeway-progress/.test(response.headers()['server-timing'] ?? '')) progressShown = true })
    await page.goto(`${fast.info.gateway}/ipfs/${root}/quick.html`)
    await page.reload()
    expect(await page.title()).toBe('Quick page')
    expect(progressShown).toBe(false)
    await context.close()
  })
})
