import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { launchPersistentBrowser } from './support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { FetchResult } from './support/page-helpers.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { BrowserContext, Page } from 'playwright-core'

const FILE_SIZE = 3 * 1024 * 1024 + 5

/** Served from this browser's store alone: every block from the cache, none from an edge or a peer. */
function expectFromCache (result: FetchResult, expected: string): void {
  expect(result.status).toBe(200)
  expect(result.sha256).toBe(expected)
  const counts = parseSourceHeader(result.headers['x-edgeway-source'] ?? null)
  expect(counts?.edge).toBe(0)
  expect(counts?.peer).toBe(0)
  expect(counts?.cache).toBeGreaterThan(0)
  expect(parseSourceHeader(result.headers['x-edgeway-bytes'] ?? null)).toMatchObject({ edge: 0, peer: 0 })
}

describe('offline: what this browser has fetched loads with no edge and no network', () => {
  let edge: Running<EdgeInfo>
  let launcher: Running<LauncherInfo>
  let site: Awaited<ReturnType<typeof makeSite>>
  let profile: string
  let context: BrowserContext | undefined
  let page: Page
  const file = randomFile(FILE_SIZE)
  const html = '<!doctype html><title>kept</title><h1>kept offline</h1>'
  let root: string
  let gateway: string
  /** The site's own origin, where the launcher's default (subdomain) gateway opens it */
  let siteOrigin: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': html, 'data.bin': file })
    // an edge of its own, so it can be stopped while the gateway server still runs
    edge = await spawnEdge(['--serve', site.dir])
    launcher = await spawnLauncher(['--edge', edge.info.http])
    root = edge.info.roots[site.dir]
    gateway = launcher.info.gateway
    siteOrigin = `http://${root}.ipfs.localhost:${new URL(gateway).port}`
    profile = await mkdtemp(join(tmpdir(), 'edgeway-profile-'))
    context = await launchPersistentBrowser(profile)
    page = context.pages()[0] ?? await context.newPage()
  })

  afterAll(async () => {
    await context?.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
    if (profile != null) await rm(profile, { recursive: true, force: true })
  })

  it('loads the gateway page, then content (on its own origin) from an edge while the edge is up', async () => {
    await openThroughServiceWorker(page, `${gateway}/`)
    await openThroughServiceWorker(page, `${gateway}/ipfs/${root}/`)
    expect(page.url()).toBe(`${siteOrigin}/`)
    expect(await page.locator('h1').textContent()).toBe('kept offline')
    const result = await fetchInPage(page, '/data.bin')
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(file))
    expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)?.edge).toBeGreaterThan(0)
  })

  it('with the edge and the gateway server stopped, a reload is served from the cache', async () => {
    expect(await edge.stop()).toBe(0)
    expect(await launcher.stop()).toBe(0)
    const response = await page.reload()
    expect(response?.status()).toBe(200)
    expect(response?.fromServiceWorker()).toBe(true)
    expect(parseSourceHeader(response?.headers()['x-edgeway-source'] ?? null)?.edge).toBe(0)
    expect(await page.locator('h1').textContent()).toBe('kept offline')
    expectFromCache(await fetchInPage(page, '/data.bin'), sha256(file))
  })

  it('content that is not in the cache is a 504 page at once, not a wait', async () => {
    await page.goto(`${gateway}/`)
    const started = Date.now()
    const answer = await fetchInPage(page, `/ipfs/${await absentCid()}`, { headers: { Accept: 'text/html' } })
    expect(answer.status).toBe(504)
    expect(answer.text).toContain('data-error="EdgesUnreachableError"')
    // the launcher's idle timeout is 30 s: this is the SW seeing no edge can be reached
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('with the network cut, the content and the gateway page still load', async () => {
    await context!.setOffline(true)
    const response = await page.goto(`${siteOrigin}/`)
    expect(response?.status()).toBe(200)
    expect(await page.locator('h1').textContent()).toBe('kept offline')
    expectFromCache(await fetchInPage(page, '/data.bin'), sha256(file))

    await expectGatewayPage(page)
  })

  it('after a browser restart with the same profile, a new page is served from the cache', async () => {
    await context!.close()
    context = await launchPersistentBrowser(profile)
    await context.setOffline(true)
    page = await context.newPage()
    const response = await page.goto(`${siteOrigin}/`)
    expect(response?.status()).toBe(200)
    expect(response?.fromServiceWorker()).toBe(true)
    expect(await page.locator('h1').textContent()).toBe('kept offline')
    expectFromCache(await fetchInPage(page, '/data.bin'), sha256(file))
    await expectGatewayPage(page)
  })

  /** The gateway page from what the SW kept: its script runs, and it lists the edge from the kept edgeway.json. */
  async function expectGatewayPage (page: Page): Promise<void> {
    const home = await page.goto(`${gateway}/`)
    expect(home?.status()).toBe(200)
    expect(home?.fromServiceWorker()).toBe(true)
    // offline, the page's register() of the SW it already has took up to 2.5 s in some runs here
    await expect.poll(async () => page.getByTestId('sw-status').textContent(), { timeout: 10_000 }).toBe('active')
    await expect.poll(async () => page.getByTestId('edge-list').textContent(), { timeout: 10_000 }).toContain(edge.info.http)
  }
})
