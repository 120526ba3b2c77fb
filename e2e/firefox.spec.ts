import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { join } from 'node:path'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startDappServer } from './support/dapp-server.ts'
import { fetchInPage, launchFirefox, openThroughServiceWorker } from './support/firefox.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { DappServer } from './support/dapp-server.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser, Page } from 'puppeteer-core'

const FILE_SIZE = 2 * 1024 * 1024 + 7
const HELLO = 'export default async (request) => new Response(`hello from ${new URL(request.url).pathname}`)'

/**
 * The core of the gateway in Debian's Firefox ESR (driven over WebDriver
 * BiDi, see support/firefox.ts): the first visit installs the SW, a site
 * opens on its own origin with verified bytes, error pages are readable,
 * and what was fetched loads again with the edge and the gateway server
 * stopped; a dApp's page calls an edge function through the SDK, and checks
 * it by running it again in a Firefox Worker. Over BiDi a response cannot say it came from the SW
 * (`fromServiceWorker()` is always false), so `X-Edgeway-Source` says it.
 * The browser-as-a-peer specs stay in Chromium: their harness (contexts with
 * camera permission, the loopback-only namespace's browser) is Playwright's,
 * and Firefox also hides ICE host addresses behind mDNS names unless told not
 * to; WebRTC between Firefox tabs is not tested here.
 */
describe('Firefox ESR: first visit, verified content, error pages, functions, offline', () => {
  let edge: Running<EdgeInfo>
  let launcher: Running<LauncherInfo>
  let site: Awaited<ReturnType<typeof makeSite>>
  let fn: Awaited<ReturnType<typeof makeSite>>
  let dapp: DappServer
  let browser: Browser
  let page: Page
  const file = randomFile(FILE_SIZE)
  let root: string
  let gateway: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': '<!doctype html><title>fox</title><h1>verified in Firefox</h1>', 'data.bin': file })
    fn = await makeSite({ 'hello.js': HELLO })
    // an edge of its own, so it can be stopped with the gateway server for the offline case
    edge = await spawnEdge(['--functions', '--serve', site.dir, '--serve', join(fn.dir, 'hello.js')])
    launcher = await spawnLauncher(['--edge', edge.info.http])
    root = edge.info.roots[site.dir]
    gateway = launcher.info.gateway
    dapp = await startDappServer(`${gateway}/sdk/edgeway.js`)
    browser = await launchFirefox()
    page = await (await browser.createBrowserContext()).newPage()
  })

  afterAll(async () => {
    await browser?.close()
    dapp?.server.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
    await fn?.remove()
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

  it('a dApp calls an edge function through the SDK, and checks its answer in a Firefox Worker', async () => {
    const dappPage = await (await browser.createBrowserContext()).newPage()
    try {
      await dappPage.goto(dapp.url)
      await dappPage.waitForFunction(() => 'createEdgeClient' in window, { timeout: 10_000, polling: 100 })
      const answers = await dappPage.evaluate(async (edgeUrl: string, url: string) => {
        type Client = { invoke(url: string, init?: object): Promise<Response>, stop(): Promise<void> }
        const client = (window as unknown as { createEdgeClient: (options: object) => Client }).createEdgeClient({ edges: [edgeUrl], allowLocal: true, allowInsecure: true })
        try {
          const read = async (response: Response): Promise<object> => ({ status: response.status, text: await response.text(), fn: response.headers.get('x-edgeway-function'), verified: response.headers.get('x-edgeway-verified') })
          return [await read(await client.invoke(`${url}/edge`)), await read(await client.invoke(`${url}/checked`, { verify: 'recompute' }))]
        } finally {
          await client.stop()
        }
      }, edge.info.http, `ipfs://${edge.info.roots[join(fn.dir, 'hello.js')]}`)
      const cid = edge.info.roots[join(fn.dir, 'hello.js')]
      expect(answers).toEqual([
        { status: 200, text: 'hello from /edge', fn: cid, verified: null },
        { status: 200, text: 'hello from /checked', fn: cid, verified: 'recompute' }
      ])
    } finally {
      await dappPage.close()
    }
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
