import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startDappServer } from './support/dapp-server.ts'
import { spawnLauncher } from './support/processes.ts'
import type { DappServer } from './support/dapp-server.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { TransferTotals } from '../src/lib/types.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

describe('SDK in a plain page', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let dapp: DappServer
  let site: Awaited<ReturnType<typeof makeSite>>
  const file = randomFile(3 * 1024 * 1024 + 17)

  beforeAll(async () => {
    site = await makeSite({ 'app/data.bin': file, 'index.html': '<p>dapp assets</p>' })
    launcher = await spawnLauncher(['--serve', site.dir])
    dapp = await startDappServer(`${launcher.info.gateway}/sdk/edgeway.js`)
    browser = await launchBrowser()
  })

  /** The dApp in a fresh context (an empty store), with the paths of the scripts it loads. */
  async function openDapp (): Promise<{ context: BrowserContext, page: Page, scripts: string[] }> {
    const context = await browser.newContext()
    const page = await context.newPage()
    const scripts: string[] = []
    page.on('request', request => { if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname) })
    await page.goto(dapp.url)
    await page.waitForFunction(() => 'createEdgeClient' in window)
    return { context, page, scripts }
  }

  afterAll(async () => {
    await browser?.close()
    dapp?.server.close()
    await launcher?.stop()
    await site?.remove()
  })

  it('client.fetch("ipfs://…") returns a standard Response with the right bytes', async () => {
    const { context, page, scripts } = await openDapp()
    const root = launcher.info.roots[site.dir]
    const result = await page.evaluate(async ({ edges, url }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string): Promise<Response>, stats(): TransferTotals, stop(): Promise<void> } }
      const client = createEdgeClient({ edges, allowLocal: true, allowInsecure: true })
      const response: Response = await client.fetch(url)
      const body = new Uint8Array(await response.arrayBuffer())
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
      const stats = client.stats()
      ;(window as unknown as { client: typeof client }).client = client
      return {
        stats,
        isResponse: response instanceof Response,
        status: response.status,
        source: response.headers.get('x-edgeway-source'),
        sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
      }
    }, { edges: launcher.info.edges, url: `ipfs://${root}/app/data.bin` })
    // a file is fetched and verified by the lean path: the full engine (Helia, verified-fetch) was not loaded for it
    expect(scripts.some(path => path.includes('/lean-fetch-'))).toBe(true)
    expect(scripts.filter(path => path.includes('/engine-'))).toEqual([])
    const badStatus = await page.evaluate(async () => {
      const { client } = window as unknown as { client: { fetch(url: string): Promise<Response>, stop(): Promise<void> } }
      const bad = await client.fetch('ipfs://not-a-cid/')
      await client.stop()
      return bad.status
    })
    expect(result.isResponse).toBe(true)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(file))
    expect(result.source).toMatch(/^cache=\d+, edge=[1-9]\d*, peer=0$/)
    expect(badStatus).toBe(400)
    // the client's totals: this file's bytes (and its few hundred bytes of DAG nodes) from the edge, nothing served
    expect(result.stats.bytes.edge).toBeGreaterThanOrEqual(file.byteLength)
    expect(result.stats.bytes.edge).toBeLessThan(file.byteLength + 64 * 1024)
    expect(result.stats.blocks.edge).toBeGreaterThan(1)
    expect(result.stats.served).toEqual({ blocks: 0, bytes: 0 })
    await context.close()
  })

  it('loads the full engine for what the lean path hands over: a listing, a range', async () => {
    const { context, page, scripts } = await openDapp()
    const root = launcher.info.roots[site.dir]
    const result = await page.evaluate(async ({ edges, root }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string, init?: RequestInit): Promise<Response>, stop(): Promise<void> } }
      const client = createEdgeClient({ edges })
      const index = await client.fetch(`ipfs://${root}/`)
      const indexText = await index.text()
      // a directory without index.html is a listing, which only the full engine renders
      const listing = await client.fetch(`ipfs://${root}/app/`)
      const listingText = await listing.text()
      // and a range, from the blocks the lean path kept
      const range = await client.fetch(`ipfs://${root}/app/data.bin`, { headers: { Range: 'bytes=0-9' } })
      const rangeBytes = Array.from(new Uint8Array(await range.arrayBuffer()))
      await client.stop()
      return { index: [index.status, indexText], listing: [listing.status, listingText.includes('data.bin')], range: [range.status, rangeBytes] }
    }, { edges: launcher.info.edges, root })
    expect(result.index).toEqual([200, '<p>dapp assets</p>'])
    expect(result.listing).toEqual([200, true])
    expect(result.range[0]).toBe(206)
    expect(result.range[1]).toEqual(Array.from(file.subarray(0, 10)))
    expect(scripts.filter(path => path.includes('/engine-')).length).toBe(1)
    await context.close()
  })

  // each transport alone must deliver verified bytes: HTTP trustless gateway, and bitswap over libp2p WebSockets
  for (const transport of ['http', 'bitswap'] as const) {
    it(`fetches over ${transport} alone`, async () => {
      const { context, page } = await openDapp()
      const edge = launcher.info.edges[0]
      const only = transport === 'http' ? edge.http : edge.multiaddrs[0]
      // an edge given by URL is used as given, a loopback http:// one too; allowLocal and allowInsecure only
      // govern what the node dials by itself (libp2p addresses like this edge's ws:// one, listed providers)
      const allow = transport === 'http' ? {} : { allowLocal: true, allowInsecure: true }
      const result = await page.evaluate(async ({ edges, allow, url }) => {
        const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string): Promise<Response>, stats(): TransferTotals, stop(): Promise<void> } }
        // a fresh context has an empty store, so every block crosses this one transport
        const client = createEdgeClient({ edges, ...allow, timeoutMs: 10_000 })
        const response = await client.fetch(url)
        const body = new Uint8Array(await response.arrayBuffer())
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
        const edgeBytes = client.stats().bytes.edge
        await client.stop()
        return { status: response.status, sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''), edgeBytes }
      }, { edges: [only], allow, url: `ipfs://${launcher.info.roots[site.dir]}/app/data.bin` })
      expect(result).toMatchObject({ status: 200, sha256: sha256(file) })
      // counted over this transport too, each block once
      expect(result.edgeBytes).toBeGreaterThanOrEqual(file.byteLength)
      expect(result.edgeBytes).toBeLessThan(file.byteLength + 64 * 1024)
      await context.close()
    })
  }
})
