import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, launchFirefox, openThroughServiceWorker } from './support/firefox.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser, Page } from 'puppeteer-core'

const FILE_SIZE = 2 * 1024 * 1024 + 7

/**
 * The core of the gateway in Debian's Firefox ESR (driven over WebDriver
 * BiDi, see support/firefox.ts): the first visit installs the SW, a site
 * opens on its own origin with verified bytes, error pages are readable,
 * and what was fetched loads again with the edge and the gateway server
 * stopped. Over BiDi a response cannot say it came from the SW
 * (`fromServiceWorker()` is always false), so `X-Edgeway-Source` says it.
 * The browser-as-a-peer specs stay in Chromium: their harness (contexts with
 * camera permission, the loopback-only namespace's browser) is Playwright's,
 * and Firefox also hides ICE host addresses behind mDNS names unless told not
 * to; WebRTC between Firefox tabs is not tested here.
 */
describe('Firefox ESR: first visit, verified content, error pages, offline', () => {
  let edge: Running<EdgeInfo>
  let launcher: Running<LauncherInfo>
  let site: Awaited<ReturnType<typeof makeSite>>
  let browser: Browser
  let page: Page
  const file = randomFile(FILE_SIZE)
  let root: string
  let gateway: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': '<!doctype html><title>fox</title><h1>verified in Firefox</h1>', 'data.bin': file })
    // an edge of its own, so it can be stopped with the gateway server for the offline case
    edge = await spawnEdge(['--serve', site.dir])
    launcher = await spawnLauncher(['--edge', edge.info.http])
    root = edge.info.roots[site.dir]
    gateway = launcher.info.gateway
    browser = await launchFirefox()
    page = await (await browser.createBrowserContext()).newPage()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
  })

  const heading = async (): Promise<string | null> => page.$eval('h1', h1 => h1.textContent)

  it('the first visit to the gateway installs the SW, and the page says it is active', async () => {
    await openThroughServiceWorker(page, `${gateway}/`)
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active', { timeout: 10_000, polling: 100 })
  })

  it('a site opens on its own origin, and a file in it arrives exactly, verified, from the edge', async () => {
    await openThroughServiceWorker(page, `${gateway}/ipfs/${root}/`)
    expect(page.url()).toBe(`http://${root}.ipfs.localhost:${new URL(gateway).port}/`)
    expect(await heading()).toBe('verified in Firefox')
    const result = await fetchInPage(page, '/data.bin')
    expect(result.status).toBe(200)
    expect(result.length).toBe(FILE_SIZE)
    expect(result.sha256).toBe(sha256(file))
    expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)?.edge).toBeGreaterThan(0)
  })

  it('errors on the gateway\'s origin are readable pages, JSON when asked', async () => {
    await page.goto(`${gateway}/`)
    const html = await fetchInPage(page, '/ipfs/not-a-cid', { headers: { Accept: 'text/html' } })
    expect(html.status).toBe(400)
    expect(html.text).toContain('data-testid="error"')
    const json = await fetchInPage(page, '/ipfs/not-a-cid', { headers: { Accept: 'application/json' } })
    expect(json.status).toBe(400)
    expect(JSON.parse(json.text)).toMatchObject({ status: 400 })
    const elsewhere = await page.goto(`${gateway}/nothing-here`)
    expect(elsewhere?.status()).toBe(404)
    expect(await page.$('[data-testid="error"]')).not.toBeNull()
  })

  it('with the edge and the gateway server stopped, the site and its file load from this browser\'s store', async () => {
    await page.goto(`http://${root}.ipfs.localhost:${new URL(gateway).port}/`)
    expect(await launcher.stop()).toBe(0)
    expect(await edge.stop()).toBe(0)
    const response = await page.reload()
    expect(response?.status()).toBe(200)
    expect(parseSourceHeader(response?.headers()['x-edgeway-source'] ?? null)).toMatchObject({ edge: 0, peer: 0 })
    expect(await heading()).toBe('verified in Firefox')
    const kept = await fetchInPage(page, '/data.bin')
    expect(kept.status).toBe(200)
    expect(kept.sha256).toBe(sha256(file))
    expect(parseSourceHeader(kept.headers['x-edgeway-source'] ?? null)).toMatchObject({ edge: 0, peer: 0 })
    expect(parseSourceHeader(kept.headers['x-edgeway-source'] ?? null)?.cache).toBeGreaterThan(0)
  })
})
