import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker, putInIndexedDb } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const DATA_SIZE = 300 * 1024

/** What a site on an origin can see of the storage its origin holds. */
async function storageSeen (page: Page): Promise<{ local: string | null, databases: string[] }> {
  return page.evaluate(async () => ({
    local: localStorage.getItem('edgeway-e2e'),
    databases: (await indexedDB.databases()).map(db => db.name ?? '')
  }))
}

describe('subdomain origins', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let siteA: Awaited<ReturnType<typeof makeSite>>
  let siteB: Awaited<ReturnType<typeof makeSite>>
  let data: Uint8Array
  let rootA: string
  let rootB: string
  let port: string

  const origin = (root: string, gatewayPort = port): string => `http://${root}.ipfs.localhost:${gatewayPort}`

  beforeAll(async () => {
    data = randomFile(DATA_SIZE)
    siteA = await makeSite({
      'index.html': '<title>site A</title><h1>site A</h1><p id="script">no script</p><script src="app.js"></script>',
      'app.js': 'document.getElementById("script").textContent = "app.js ran"',
      'data.bin': data,
      'page.html': '<h1>page of A</h1>',
      'docs/index.html': '<link rel="stylesheet" href="docs.css"><h1>docs</h1>',
      'docs/docs.css': 'h1 { color: rgb(1, 2, 3) }'
    })
    siteB = await makeSite({ 'index.html': '<h1>site B</h1>' })
    launcher = await spawnLauncher(['--serve', siteA.dir, '--serve', siteB.dir])
    rootA = launcher.info.roots[siteA.dir]
    rootB = launcher.info.roots[siteB.dir]
    port = new URL(launcher.info.gateway).port
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await siteA?.remove()
    await siteB?.remove()
  })

  it('renders a site at the root of its own origin, with its relative assets', async () => {
    expect(rootA).toMatch(/^bafy/)
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${origin(rootA)}/`)
    expect(await page.locator('h1').textContent()).toBe('site A')
    await expect.poll(async () => page.locator('#script').textContent()).toBe('app.js ran')
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${origin(rootA)}/_edgeway/sw.js`)

    const asset = await fetchInPage(page, 'data.bin')
    expect(asset.status).toBe(200)
    expect(asset.sha256).toBe(sha256(data))
    expect(asset.headers['x-ipfs-path']).toBe(`/ipfs/${rootA}/data.bin`)
    expect(asset.headers['x-edgeway-source']).toBeTruthy()

    // a directory without its trailing slash moves to it on the same origin, so its relative links resolve
    const docs = await page.goto(`${origin(rootA)}/docs`)
    expect(page.url()).toBe(`${origin(rootA)}/docs/`)
    expect(docs?.status()).toBe(200)
    expect(await page.locator('h1').evaluate(h1 => getComputedStyle(h1).color)).toBe('rgb(1, 2, 3)')
    await page.context().close()
  })

  it('keeps each site\'s storage to itself: another site and the gateway page see none of it', async () => {
    const context = await browser.newContext()
    const a = await context.newPage()
    await openThroughServiceWorker(a, `${origin(rootA)}/`)
    await a.evaluate(() => { localStorage.setItem('edgeway-e2e', 'written by site A') })
    await putInIndexedDb(a, { db: 'site-a-private', store: 'notes', key: 'key', value: 'secret' })
    const seenByA = await storageSeen(a)
    expect(seenByA.local).toBe('written by site A')
    expect(seenByA.databases).toContain('site-a-private')

    const b = await context.newPage()
    await openThroughServiceWorker(b, `${origin(rootB)}/`)
    expect(await b.locator('h1').textContent()).toBe('site B')
    expect(await b.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${origin(rootB)}/_edgeway/sw.js`)
    const seenByB = await storageSeen(b)
    expect(seenByB.local).toBeNull()
    expect(seenByB.databases).not.toContain('site-a-private')
    // B's own SW keeps its blocks in B's own store
    expect(seenByB.databases.length).toBeGreaterThan(0)

    const gateway = await context.newPage()
    await gateway.goto(`${launcher.info.gateway}/`)
    const seenByGateway = await storageSeen(gateway)
    expect(seenByGateway.local).toBeNull()
    expect(seenByGateway.databases).not.toContain('site-a-private')
    await context.close()
  })

  it('by default, a path URL (CIDv0 or CIDv1) ends on its root\'s origin: moved by the server, then by the SW', async () => {
    const moving = await spawnLauncher(['--serve', siteA.dir])
    try {
      const movingPort = new URL(moving.info.gateway).port
      const target = `${origin(rootA, movingPort)}/page.html?q=1`
      const cidV0 = CID.parse(rootA).toV0().toString()
      expect(cidV0).toMatch(/^Qm/)
      const context = await browser.newContext()
      const page = await context.newPage()

      // no SW anywhere yet: the gateway server answers the path URL with the redirect
      await openThroughServiceWorker(page, `${moving.info.gateway}/ipfs/${cidV0}/page.html?q=1`)
      expect(page.url()).toBe(target)
      expect(await page.locator('h1').textContent()).toBe('page of A')

      // the gateway's own origin with its SW: the SW moves a page load itself
      await openThroughServiceWorker(page, `${moving.info.gateway}/`)
      const response = await page.goto(`${moving.info.gateway}/ipfs/${rootA}/page.html?q=1`)
      expect(page.url()).toBe(target)
      expect(response?.status()).toBe(200)
      expect(await page.locator('h1').textContent()).toBe('page of A')
      const moved = await response?.request().redirectedFrom()?.response()
      expect(moved?.status()).toBe(301)
      expect(moved?.fromServiceWorker()).toBe(true)
      await context.close()
    } finally {
      expect(await moving.stop()).toBe(0)
    }
  })

  it('answers a subdomain that names no content with a readable 400 page', async () => {
    const page = await (await browser.newContext()).newPage()
    const bad = await page.goto(`http://not-a-cid.ipfs.localhost:${port}/index.html`)
    expect(bad?.status()).toBe(400)
    await expect(page.getByTestId('error').textContent()).resolves.toContain('not-a-cid')

    const v0 = await page.goto(`http://${CID.parse(rootA).toV0().toString().toLowerCase()}.ipfs.localhost:${port}/`)
    expect(v0?.status()).toBe(400)
    await expect(page.getByTestId('error').textContent()).resolves.toContain('CIDv0')
    await page.context().close()
  })
})
