import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { launchBrowser } from './support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'

const DEMO_DIR = resolve(import.meta.dirname, '../demo')
const BIG_SIZE = 20 * 1024 * 1024
const HUGE_SIZE = 48 * 1024 * 1024
const TIMEOUT_MS = 4_000

describe('gateway through the service worker', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let context: BrowserContext
  /** The page that opens sites: each on its root's own origin (the launcher's default) */
  let page: Page
  /** The gateway page, on the gateway's origin: path-form fetches and the SW's stats */
  let gatewayPage: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  let big: Uint8Array
  let huge: Uint8Array
  let demoRoot: string
  let siteRoot: string
  let demoImage: string
  const originOf = (root: string): string => `http://${root}.ipfs.localhost:${new URL(launcher.info.gateway).port}`

  beforeAll(async () => {
    big = randomFile(BIG_SIZE)
    huge = randomFile(HUGE_SIZE)
    site = await makeSite({
      'index.html': '<h1>big</h1>',
      'big.bin': big,
      'huge.bin': huge,
      'docs/index.html': '<link rel="stylesheet" href="docs.css"><h1>docs</h1>',
      'docs/docs.css': 'h1 { color: rgb(1, 2, 3) }'
    })
    launcher = await spawnLauncher(['--serve', DEMO_DIR, '--serve', site.dir, '--timeout-ms', String(TIMEOUT_MS)])
    demoRoot = launcher.info.roots[DEMO_DIR]
    siteRoot = launcher.info.roots[site.dir]
    const demoHtml = await readFile(resolve(DEMO_DIR, 'index.html'), 'utf8')
    demoImage = /<img[^>]+src="([^"]+)"/.exec(demoHtml)?.[1] ?? ''
    browser = await launchBrowser()
    context = await browser.newContext()
    page = await context.newPage()
    gatewayPage = await context.newPage()
    await openThroughServiceWorker(gatewayPage, `${launcher.info.gateway}/`)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await site?.remove()
  })

  it('a fresh browser opens the demo site by its CID: on its own origin it renders, and its blocks came from the edge', async () => {
    expect(demoImage).not.toBe('')
    const navigations: Response[] = []
    page.on('response', response => {
      if (response.request().isNavigationRequest() && response.fromServiceWorker()) navigations.push(response)
    })
    await openThroughServiceWorker(page, `${launcher.info.gateway}/ipfs/${demoRoot}/`)
    expect(page.url()).toBe(`${originOf(demoRoot)}/`)
    const title = /<title>([^<]+)<\/title>/.exec(await readFile(resolve(DEMO_DIR, 'index.html'), 'utf8'))?.[1]
    expect(await page.title()).toBe(title)
    await page.waitForFunction((src) => {
      const img = [...document.images].find(i => i.getAttribute('src') === src)
      return img != null && img.complete && img.naturalWidth > 0
    }, demoImage)

    const page200 = navigations.find(r => r.status() === 200)
    expect(page200).toBeDefined()
    const counts = parseSourceHeader(page200!.headers()['x-edgeway-source'] ?? null)
    expect(counts?.edge).toBeGreaterThan(0)
    expect(page200!.headers()['x-ipfs-path']).toBe(`/ipfs/${demoRoot}/`)
    expect(page200!.headers()['server-timing']).toBeTruthy()

    // the site owns its origin: no sandbox there
    expect(page200!.headers()['content-security-policy']).toBeUndefined()

    const image = await fetchInPage(page, `/${demoImage}`)
    expect(image.status).toBe(200)
    expect(image.sha256).toBe(sha256(await readFile(resolve(DEMO_DIR, demoImage))))
    expect(image.headers['cache-control']).toBe('public, max-age=29030400, immutable')
    expect(image.headers.etag).toMatch(/^"baf/)
  })

  it('reads the same file again from the local cache only', async () => {
    const again = await fetchInPage(page, `/${demoImage}`)
    expect(again.status).toBe(200)
    const counts = parseSourceHeader(again.headers['x-edgeway-source'])
    expect(counts?.cache).toBeGreaterThan(0)
    expect(counts?.edge).toBe(0)
    expect(counts?.peer).toBe(0)
  })

  it('streams a 20 MiB file: the first bytes arrive before the last block is fetched, and every byte matches', async () => {
    // a far-away edge (each block held back 25 ms) so fetching all 80 blocks takes a while
    const proxy = await startSlowEdgeProxy(launcher.info.edges[0].http!, 25)
    const slow = await spawnLauncher(['--edge', proxy.url])
    try {
      const slowPage = await context.newPage()
      await openThroughServiceWorker(slowPage, `${slow.info.gateway}/`)
      const result = await slowPage.evaluate(async (url) => {
        const stats = async (): Promise<{ blocks: { edge: number }, lastBlockAt: number }> => (await fetch('/_edgeway/stats')).json()
        const before = (await stats()).blocks.edge
        const response = await fetch(url)
        const reader = response.body!.getReader()
        const chunks: Uint8Array[] = []
        const first = await reader.read()
        const firstByteAt = Date.now()
        const edgeBlocksAtFirstByte = (await stats()).blocks.edge - before
        chunks.push(first.value!)
        for (let r = await reader.read(); r.done !== true; r = await reader.read()) chunks.push(r.value)
        const after = await stats()
        const body = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
        let offset = 0
        for (const c of chunks) { body.set(c, offset); offset += c.byteLength }
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
        return {
          status: response.status,
          firstByteAt,
          lastBlockAt: after.lastBlockAt,
          edgeBlocksAtFirstByte,
          edgeBlocks: after.blocks.edge - before,
          length: body.byteLength,
          sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
        }
      }, `/ipfs/${siteRoot}/big.bin`)
      expect(result.status).toBe(200)
      expect(result.length).toBe(BIG_SIZE)
      expect(result.sha256).toBe(sha256(big))
      expect(result.edgeBlocks).toBeGreaterThanOrEqual(BIG_SIZE / (1024 * 1024))
      expect(result.edgeBlocksAtFirstByte).toBeLessThan(result.edgeBlocks)
      expect(result.firstByteAt).toBeLessThan(result.lastBlockAt)
    } finally {
      await slow.stop()
      await proxy.stop()
    }
  })

  it('stops fetching a large file as soon as its reader gives up', async () => {
    const result = await gatewayPage.evaluate(async (url) => {
      const edgeBlocks = async (): Promise<number> => (await (await fetch('/_edgeway/stats')).json()).blocks.edge as number
      const before = await edgeBlocks()
      const reader = (await fetch(url)).body!.getReader()
      const first = (await reader.read()).value!.byteLength
      await reader.cancel()
      await new Promise(resolve => setTimeout(resolve, 1500))
      const settled = await edgeBlocks() - before
      await new Promise(resolve => setTimeout(resolve, 1500))
      return { first, settled, later: await edgeBlocks() - before }
    }, `/ipfs/${siteRoot}/huge.bin`)
    expect(result.first).toBeGreaterThan(0)
    // 48 MiB is about 196 blocks. Cancelling reaches the SW, which ends its CAR stream: what
    // it fetched before that is a few windows, and nothing more arrives afterwards. (A reader
    // that merely pauses is not enough to stop it: the browser buffers the SW's response for
    // the page; the SW's own memory stays bounded, see the CarPrefetch tests and bench P7.)
    expect(result.settled).toBeLessThan(196 / 2)
    expect(result.later).toBe(result.settled)
  })

  it('redirects a directory without its trailing slash, so its relative links resolve', async () => {
    await openThroughServiceWorker(page, `${launcher.info.gateway}/ipfs/${siteRoot}/`)
    const response = await page.goto(`${launcher.info.gateway}/ipfs/${siteRoot}/docs`)
    expect(page.url()).toBe(`${originOf(siteRoot)}/docs/`)
    expect(response?.status()).toBe(200)
    expect(await page.locator('h1').evaluate(h1 => getComputedStyle(h1).color)).toBe('rgb(1, 2, 3)')
  })

  it('answers a range request with 206 and exactly those bytes', async () => {
    const start = 5 * 1024 * 1024 + 3
    const result = await fetchInPage(gatewayPage, `/ipfs/${siteRoot}/big.bin`, { headers: { Range: `bytes=${start}-${start + 99_999}` } })
    expect(result.status).toBe(206)
    expect(result.headers['content-range']).toBe(`bytes ${start}-${start + 99_999}/${BIG_SIZE}`)
    expect(result.length).toBe(100_000)
    expect(result.sha256).toBe(sha256(big.subarray(start, start + 100_000)))
  })

  it('answers an invalid CID with a 400 page', async () => {
    const response = await page.goto(`${launcher.info.gateway}/ipfs/not-a-cid/`)
    expect(response?.status()).toBe(400)
    await expect(page.getByTestId('error').textContent()).resolves.toContain('Invalid CID')
  })

  it('answers a path missing from the directory with a 404 page', async () => {
    const response = await page.goto(`${launcher.info.gateway}/ipfs/${demoRoot}/no-such-file.html`)
    expect(response?.status()).toBe(404)
    expect(await page.getByTestId('error').isVisible()).toBe(true)
  })

  it('answers a CID no edge has with 504 once the timeout passes, as JSON when asked', async () => {
    const missing = await absentCid()
    const [html, json] = await Promise.all([
      fetchInPage(gatewayPage, `/ipfs/${missing}`),
      fetchInPage(gatewayPage, `/ipfs/${await absentCid()}`, { headers: { Accept: 'application/json' } })
    ])
    expect(html.status).toBe(504)
    expect(html.text).toContain('data-testid="error"')
    expect(json.status).toBe(504)
    expect(JSON.parse(json.text)).toMatchObject({ status: 504, error: 'SourceTimeoutError' })
  })

  it('shows the gateway page: SW status, edges, and opens a CID typed by the user', async () => {
    const fresh = await browser.newContext()
    const home = await fresh.newPage()
    await home.goto(`${launcher.info.gateway}/`)
    await expect.poll(async () => home.getByTestId('sw-status').textContent(), { timeout: 30_000 }).toBe('active')
    // the list is read from the SW (or edgeway.json) after the page is up: it says "loading…" until then
    await expect.poll(async () => home.getByTestId('edge-list').textContent(), { timeout: 10_000 }).toContain(launcher.info.edges[0].http)
    await home.getByTestId('cid-input').fill(siteRoot)
    await home.getByTestId('open-button').click()
    // the site opens on its own origin
    await home.waitForURL(`${originOf(siteRoot)}/`, { timeout: 30_000 })
    await expect.poll(async () => home.locator('h1').textContent(), { timeout: 30_000 }).toBe('big')
    await fresh.close()
  })
})
