import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startDappServer } from './support/dapp-server.ts'
import { spawnLauncher } from './support/processes.ts'
import type { DappServer } from './support/dapp-server.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { TransferTotals } from '../src/lib/types.ts'
import type { Browser } from 'playwright-core'

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

  afterAll(async () => {
    await browser?.close()
    dapp?.server.close()
    await launcher?.stop()
    await site?.remove()
  })

  it('client.fetch("ipfs://…") returns a standard Response with the right bytes', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(dapp.url)
    await page.waitForFunction(() => 'createEdgeClient' in window)
    const root = launcher.info.roots[site.dir]
    const result = await page.evaluate(async ({ edges, url }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string): Promise<Response>, stats(): TransferTotals, stop(): Promise<void> } }
      const client = createEdgeClient({ edges, allowLocal: true, allowInsecure: true })
      const response: Response = await client.fetch(url)
      const body = new Uint8Array(await response.arrayBuffer())
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
      const stats = client.stats()
      const bad: Response = await client.fetch('ipfs://not-a-cid/')
      await client.stop()
      return {
        stats,
        isResponse: response instanceof Response,
        status: response.status,
        source: response.headers.get('x-edgeway-source'),
        sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''),
        badStatus: bad.status
      }
    }, { edges: launcher.info.edges, url: `ipfs://${root}/app/data.bin` })
    expect(result.isResponse).toBe(true)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(file))
    expect(result.source).toMatch(/^cache=\d+, edge=[1-9]\d*, peer=0$/)
    expect(result.badStatus).toBe(400)
    // the client's totals: this file's bytes (and its few hundred bytes of DAG nodes) from the edge, nothing served
    expect(result.stats.bytes.edge).toBeGreaterThanOrEqual(file.byteLength)
    expect(result.stats.bytes.edge).toBeLessThan(file.byteLength + 64 * 1024)
    expect(result.stats.blocks.edge).toBeGreaterThan(1)
    expect(result.stats.served).toEqual({ blocks: 0, bytes: 0 })
    await context.close()
  })

  // each transport alone must deliver verified bytes: HTTP trustless gateway, and bitswap over libp2p WebSockets
  for (const transport of ['http', 'bitswap'] as const) {
    it(`fetches over ${transport} alone`, async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(dapp.url)
      await page.waitForFunction(() => 'createEdgeClient' in window)
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
