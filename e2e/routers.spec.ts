import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from './support/content.ts'
import { bitswapRecord, gatewayRecord, startFakeRouter, startRawOnlyGateway } from './support/fake-router.ts'
import { startHostileEdge } from './support/lying-edge.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { FakeRouter, RawOnlyGateway, RouterBehaviour } from './support/fake-router.ts'
import type { HostileEdge } from './support/lying-edge.ts'
import type { FetchResult } from './support/page-helpers.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { SlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser } from 'playwright-core'

const MiB = 1024 * 1024
/** Several blocks, so a block-by-block fetch is more than one request */
const FILE = randomFile(3 * MiB + 4321)
/** A peer id for records of HTTP-only providers (nobody dials it) */
const SOME_PEER = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
/** "Promptly": a lookup's router timeout (4 s) and the fetch, with room for a busy machine; far below the 30 s idle timeout */
const PROMPT_MS = 15_000

/** `edge=N, peer=M…` as numbers */
function sources (result: FetchResult): Record<string, number> {
  return Object.fromEntries((result.headers['x-edgeway-source'] ?? '').split(',').map(part => part.trim().split('=')).map(([key, value]) => [key, Number(value)]))
}

describe('content only an unconfigured edge has, found through routers', () => {
  let onlyA: Awaited<ReturnType<typeof makeSite>>
  let onlyB: Awaited<ReturnType<typeof makeSite>>
  /** The configured edge: it has none of the content asked for */
  let edgeA: Running<EdgeInfo>
  /** Our edge holding the content, configured nowhere */
  let edgeB: Running<EdgeInfo>
  let rawOnly: RawOnlyGateway
  let liar: HostileEdge
  const routers: FakeRouter[] = []
  const launchers: Running<LauncherInfo>[] = []
  const proxies: SlowEdgeProxy[] = []
  let browser: Browser
  let root: string
  let path: string

  /** A gateway started with `--edge <A>` (or another edge) and these routers */
  async function gateway (routerUrls: string[], edge: string = edgeA.info.http): Promise<string> {
    const launcher = await spawnLauncher(['--edge', edge, ...routerUrls.flatMap(url => ['--router', url])])
    launchers.push(launcher)
    return launcher.info.gateway
  }

  async function router (behave: (cid: string) => RouterBehaviour): Promise<FakeRouter> {
    const started = await startFakeRouter(behave)
    routers.push(started)
    return started
  }

  /** The file read in a fresh browser context (its own SW and store) through `gatewayUrl`, timed */
  async function read (gatewayUrl: string, url: string = path, headers: Record<string, string> = {}): Promise<FetchResult & { ms: number }> {
    const page = await (await browser.newContext()).newPage()
    try {
      await openThroughServiceWorker(page, `${gatewayUrl}/`)
      const started = Date.now()
      const result = await fetchInPage(page, url, { headers })
      return { ...result, ms: Date.now() - started }
    } finally {
      await page.context().close()
    }
  }

  beforeAll(async () => {
    ;[onlyA, onlyB] = await Promise.all([makeSite({ 'a.txt': 'only on A' }), makeSite({ 'file.bin': FILE })])
    ;[edgeA, edgeB] = await Promise.all([spawnEdge(['--serve', onlyA.dir]), spawnEdge(['--serve', onlyB.dir])])
    root = edgeB.info.roots[onlyB.dir]
    path = `/ipfs/${root}/file.bin`
    rawOnly = await startRawOnlyGateway(edgeB.info.http)
    liar = await startHostileEdge(edgeB.info.http, { raw: 'flip-bit', car: 'flip-bit' })
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all(launchers.map(async launcher => launcher.stop()))
    await Promise.all(routers.map(async started => started.stop()))
    await Promise.all(proxies.map(async proxy => proxy.stop()))
    await rawOnly?.stop()
    await liar?.stop()
    await edgeA?.stop()
    await edgeB?.stop()
    await onlyA?.remove()
    await onlyB?.remove()
  })

  it('our edge, as a router, lists itself for what it holds: its gateway over HTTP and its WebSocket address for bitswap', async () => {
    const response = await fetch(`${edgeB.info.http}/routing/v1/providers/${root}`, { headers: { Accept: 'application/json' } })
    expect(response.status).toBe(200)
    const { Providers: providers } = await response.json() as { Providers: Array<{ ID: string, Addrs: string[], Protocols: string[] }> }
    expect(providers).toEqual([expect.objectContaining({ Schema: 'peer', ID: edgeB.info.peerId })])
    const [self] = providers
    expect(self.Protocols).toEqual(expect.arrayContaining(['transport-ipfs-gateway-http', 'transport-bitswap']))
    const http = new URL(edgeB.info.http)
    expect(self.Addrs).toContain(`/ip4/${http.hostname}/tcp/${http.port}/http`)
    expect(self.Addrs).toContain(edgeB.info.multiaddrs[0].replace(/\/p2p\/[^/]+$/, ''))
    // and 404 for what it does not hold
    expect((await fetch(`${edgeB.info.http}/routing/v1/providers/${await absentCid()}`)).status).toBe(404)
  })

  it('with our edge B as the router, reads the file from B: exact bytes, counted as edge blocks', async () => {
    const gatewayUrl = await gateway([edgeB.info.http])
    const config = await (await fetch(`${gatewayUrl}/edgeway.json`)).json() as { routers: string[], allowLocal: boolean }
    // a loopback router allows loopback providers, as a local edge does
    expect(config).toMatchObject({ routers: [edgeB.info.http], allowLocal: true })
    const result = await read(gatewayUrl)
    expect(result).toMatchObject({ status: 200, length: FILE.byteLength, sha256: sha256(FILE) })
    expect(sources(result).edge).toBeGreaterThan(1)
    expect(sources(result).peer).toBe(0)
  })

  it('nothing found: a CID neither the edge nor any router\'s provider has is a 504 page within seconds, JSON when asked', async () => {
    const gatewayUrl = await gateway([edgeB.info.http])
    const html = await read(gatewayUrl, `/ipfs/${await absentCid()}`)
    expect(html.status).toBe(504)
    expect(html.text).toContain('data-testid="error"')
    expect(html.text).toContain('No source has')
    expect(html.ms).toBeLessThan(PROMPT_MS)
    const json = await read(gatewayUrl, `/ipfs/${await absentCid()}`, { Accept: 'application/json' })
    expect(json.status).toBe(504)
    expect(JSON.parse(json.text)).toMatchObject({ status: 504, error: 'NoProvidersError' })
    expect(json.ms).toBeLessThan(PROMPT_MS)
  })

  it('a provider that refuses CARs still serves the file, block by block', async () => {
    const listing = await router(() => ({ records: [gatewayRecord(SOME_PEER, rawOnly.url)] }))
    const result = await read(await gateway([listing.url]))
    expect(result).toMatchObject({ status: 200, length: FILE.byteLength, sha256: sha256(FILE) })
    expect(sources(result).edge).toBeGreaterThan(1)
    const served = rawOnly.served()
    expect(served.carRefused).toBeGreaterThan(0)
    expect(served.raw).toBeGreaterThan(1)
    // asked by the content root, not block by block
    expect(new Set(listing.asked())).toEqual(new Set([root]))
  })

  it('a provider listed for bitswap only (a WebSocket address) serves the file over libp2p, with an HTTP-only edge configured', async () => {
    const listing = await router(() => ({ records: [bitswapRecord(edgeB.info.peerId, edgeB.info.multiaddrs)] }))
    // A without its WebSocket address: the node has libp2p only because it has routers
    const httpOnlyA = await startSlowEdgeProxy(edgeA.info.http, 0)
    proxies.push(httpOnlyA)
    const result = await read(await gateway([listing.url], httpOnlyA.url))
    expect(result).toMatchObject({ status: 200, length: FILE.byteLength, sha256: sha256(FILE) })
    // bitswap blocks from a provider a router listed count as edge blocks, not as other browsers'
    expect(sources(result).edge).toBeGreaterThan(1)
    expect(sources(result).peer).toBe(0)
  })

  it('with a router over the answer cap, one that hangs, and one listing a liar before an honest provider: the file, promptly', async () => {
    const huge = await router(() => 'huge')
    const hanging = await router(() => 'hang')
    const listing = await router(() => ({ records: [gatewayRecord(SOME_PEER, liar.url), gatewayRecord(edgeB.info.peerId, edgeB.info.http)] }))
    const result = await read(await gateway([huge.url, hanging.url, listing.url]))
    expect(result).toMatchObject({ status: 200, length: FILE.byteLength, sha256: sha256(FILE) })
    expect(result.ms).toBeLessThan(PROMPT_MS)
    // each oversized answer was cut off near the cap (96 KiB; what paced writes had in flight besides), not read whole
    expect(huge.floods().length).toBeGreaterThan(0)
    for (const sent of huge.floods()) expect(sent).toBeLessThan(2 * MiB)
    expect(hanging.asked().length).toBeGreaterThan(0)
    // the liar, listed first, was asked and its forged block refused: the rest came from the honest provider
    expect(liar.hostile().car + liar.hostile().raw).toBeGreaterThan(0)
  })

  it('a router listing only a provider that lies: 502 within seconds, nothing unverified shown', async () => {
    // every block it sends is forged (and its CARs fail), so the very first one is refused
    liar.behave({ raw: 'flip-bit', car: 'status-500' })
    const listing = await router(() => ({ records: [gatewayRecord(SOME_PEER, liar.url)] }))
    const result = await read(await gateway([listing.url]))
    expect(result.status).toBe(502)
    expect(result.text).toContain('data-error="VerificationError"')
    expect(result.ms).toBeLessThan(PROMPT_MS)
    expect(liar.hostile().raw).toBeGreaterThan(0)
  })

  it('a dApp\'s SDK client takes routers too: with edge A and router B it reads the file only B holds, in the page', async () => {
    const gatewayUrl = await gateway([])
    const context = await browser.newContext()
    const page = await context.newPage()
    // another origin than the gateway's: the dApp's, with no service worker of Edgeway's
    await page.goto(`${edgeA.info.http}/info`)
    await page.addScriptTag({ type: 'module', content: `import { createEdgeClient } from '${gatewayUrl}/sdk/edgeway.js'; window.createEdgeClient = createEdgeClient` })
    await page.waitForFunction(() => 'createEdgeClient' in window)
    const result = await page.evaluate(async ({ edges, routers, url }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string): Promise<Response>, stop(): Promise<void> } }
      const client = createEdgeClient({ edges, routers, allowLocal: true, allowInsecure: true })
      try {
        const response = await client.fetch(url)
        const body = new Uint8Array(await response.arrayBuffer())
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
        return { status: response.status, length: body.byteLength, sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''), source: response.headers.get('x-edgeway-source') }
      } finally {
        await client.stop()
      }
    }, { edges: [edgeA.info.http], routers: [edgeB.info.http], url: `ipfs://${root}/file.bin` })
    expect(result).toMatchObject({ status: 200, length: FILE.byteLength, sha256: sha256(FILE) })
    expect(result.source).toMatch(/edge=[1-9]\d*, peer=0/)
    await context.close()
  })
})
