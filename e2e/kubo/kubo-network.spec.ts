import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { launchBrowser } from '../support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from '../support/content.ts'
import { startCountingEdgeProxy } from '../support/counting-edge-proxy.ts'
import { freePort } from '../support/free-port.ts'
import { startKubo } from '../support/kubo.ts'
import { providedKubo } from '../support/kubo-provided.ts'
import { fetchInPage, openThroughServiceWorker } from '../support/page-helpers.ts'
import { openPeerTab } from '../support/peer-tabs.ts'
import { spawnEdge, spawnLauncher } from '../support/processes.ts'
import { readInPage } from '../support/read-in-page.ts'
import type { EdgeInfo } from '../../edge/node/types.ts'
import type { CountingEdgeProxy } from '../support/counting-edge-proxy.ts'
import type { KuboNode } from '../support/kubo.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const MiB = 1024 * 1024
const kubo = providedKubo()
/** Kubo's flags for the DAG our edge imports (CIDv1, raw leaves, 256 KiB chunks): the same CIDs on both */
const OUR_LAYOUT = ['--cid-version=1', '--raw-leaves']
/** How long B's provider record may take to show up in A's routing answer (it took well under a second here) */
const PROVIDE_MS = 30_000
/** The page pauses here, and an edge is killed: well inside the first edge's first CAR */
const KILL_AT = 4 * MiB
/** "Promptly", for an answer that nobody has it: a lookup's router timeout (4 s) and room for a busy machine */
const PROMPT_MS = 15_000

interface RoutingRecord { Schema: string, ID: string, Addrs: string[], Protocols?: string[] }

/**
 * Edgeway among Kubo nodes: two Kubo daemons in a private swarm on
 * 127.0.0.1, A the router (its gateway's `/routing/v1`) and B the node
 * holding content; our edge holds a large file B holds too, with the same
 * CIDs. One daemon pair, one edge and one browser serve every case.
 */
describe.skipIf(kubo.skipped != null)(`Edgeway on a network of Kubo nodes${kubo.skipped == null ? '' : ` (skipped: ${kubo.skipped})`}`, () => {
  /** The router: holds none of the content */
  let a: KuboNode
  /** The provider: holds everything, announces it on the DHT */
  let b: KuboNode
  /** A provider that also announces its gateway's address (`/tcp/<port>/http`) among its own */
  let c: KuboNode
  let ours: Running<EdgeInfo>
  let browser: Browser
  const launchers: Array<Running<LauncherInfo>> = []
  const proxies: CountingEdgeProxy[] = []
  const onlyOnB = randomFile(6 * MiB + 4_321)
  const onlyOnC = randomFile(5 * MiB + 1_234)
  const large = randomFile(40 * MiB + 777)
  let site: Awaited<ReturnType<typeof makeSite>>
  let onlyOnBCid: string
  let onlyOnCCid: string
  let largeRoot: string
  let largePath: string
  /** A gateway with no edge and Kubo A as its router */
  let routerOnly: string

  async function launch (args: string[]): Promise<string> {
    const launcher = await spawnLauncher(args)
    launchers.push(launcher)
    return launcher.info.gateway
  }

  async function proxy (edgeHttp: string): Promise<CountingEdgeProxy> {
    const started = await startCountingEdgeProxy(edgeHttp)
    proxies.push(started)
    return started
  }

  /** A fresh browser context (its own SW and store) on the gateway's page */
  async function freshPage (gateway: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${gateway}/`)
    return page
  }

  beforeAll(async () => {
    site = await makeSite({ 'large.bin': large })
    // Kubo announces what Addresses.AppendAnnounce lists; the gateway's port must be known for that, so it is chosen here
    const gatewayPort = await freePort()
    const announcesGateway = { 'Addresses.Gateway': `/ip4/127.0.0.1/tcp/${gatewayPort}`, 'Addresses.AppendAnnounce': [`/ip4/127.0.0.1/tcp/${gatewayPort}/http`] }
    ;[a, b, c, ours, browser] = await Promise.all([startKubo(kubo.path!), startKubo(kubo.path!), startKubo(kubo.path!, { config: announcesGateway }), spawnEdge(['--serve', site.dir]), launchBrowser()])
    // the private swarm: A's DHT has B and C in it, and nothing else
    await Promise.all([a.connect(b), a.connect(c)])
    // Kubo's defaults (CIDv0, dag-pb leaves): content only B holds, and content only C holds
    ;[onlyOnBCid, onlyOnCCid] = await Promise.all([b.addBytes(onlyOnB), c.addBytes(onlyOnC)])
    largeRoot = ours.info.roots[site.dir]
    largePath = `/ipfs/${largeRoot}/large.bin`
    // the same bytes, added to B with our edge's layout, are the same DAG
    expect(await b.add(site.dir, OUR_LAYOUT)).toBe(largeRoot)
  })

  afterAll(async () => {
    await browser?.close()
    for (const launcher of launchers) expect(await launcher.stop()).toBe(0)
    await Promise.all(proxies.map(async started => started.stop()))
    await ours?.stop()
    await a?.stop()
    await b?.stop()
    await c?.stop()
    await site?.remove()
  })

  it('Kubo A\'s /routing/v1 lists Kubo B for what B added: a peer record with /tcp and /ws addresses and no Protocols', async () => {
    const { records, ms } = await providersListing(a, onlyOnBCid, b.peerId)
    process.stderr.write(`kubo-network: B's provider record for a fresh add was in A's routing answer after ${ms} ms\n`)
    const record = records.find(r => r.ID === b.peerId)!
    expect(record.Schema).toBe('peer')
    expect(record.Protocols).toBeUndefined()
    expect(record.Addrs).toEqual(expect.arrayContaining([b.tcp.replace(/\/p2p\/.*$/, ''), b.ws.replace(/\/p2p\/.*$/, '')]))
    // B's gateway is nowhere in it: a browser can reach B over bitswap only
    expect(record.Addrs.some(addr => addr.includes('/http'))).toBe(false)
    // with the filters Edgeway asks with, only the /ws address is left
    const filtered = await providersListing(a, onlyOnBCid, b.peerId, '?filter-protocols=transport-ipfs-gateway-http,transport-bitswap,unknown&filter-addrs=http,https,ws,wss')
    expect(filtered.records.find(r => r.ID === b.peerId)?.Addrs).toEqual([b.ws.replace(/\/p2p\/.*$/, '')])
  })

  it('with Kubo A as its only router and no edge, the SW finds B through A and reads the file from B over bitswap, exactly', async () => {
    await providersListing(a, onlyOnBCid, b.peerId)
    routerOnly = await launch(['--no-edge', '--router', a.gateway])
    const config = await (await fetch(`${routerOnly}/edgeway.json`)).json() as { edges: unknown[], routers: string[] }
    expect(config).toMatchObject({ edges: [], routers: [a.gateway] })
    const [sentByA, sentByB] = await Promise.all([blocksSent(a), blocksSent(b)])
    const page = await freshPage(routerOnly)
    try {
      const started = Date.now()
      const result = await fetchInPage(page, `/ipfs/${onlyOnBCid}`)
      process.stderr.write(`kubo-network: ${onlyOnB.byteLength} bytes found through Kubo A, from Kubo B over bitswap, in ${Date.now() - started} ms\n`)
      expect(result.status).toBe(200)
      expect(result.length).toBe(onlyOnB.byteLength)
      expect(result.sha256).toBe(sha256(onlyOnB))
      // blocks from a provider a router listed count as edge blocks, not other browsers'
      expect(parseSourceHeader(result.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
      expect(parseSourceHeader(result.headers['x-edgeway-source'])?.peer ?? 0).toBe(0)
    } finally {
      await page.context().close()
    }
    // B sent every 256 KiB leaf over bitswap; A, the router, sent none and holds none
    expect(await blocksSent(b) - sentByB).toBeGreaterThanOrEqual(Math.ceil(onlyOnB.byteLength / (256 * 1024)))
    expect(await blocksSent(a)).toBe(sentByA)
    expect(await a.ipfs(['refs', 'local'])).not.toContain(onlyOnBCid)
  })

  it('a Kubo provider that announces its gateway (Addresses.AppendAnnounce /http) is read over HTTP, not bitswap', async () => {
    const { records } = await providersListing(a, onlyOnCCid, c.peerId)
    expect(records.find(r => r.ID === c.peerId)?.Addrs).toContain(`/ip4/127.0.0.1/tcp/${new URL(c.gateway).port}/http`)
    const sentByC = await blocksSent(c)
    const page = await freshPage(routerOnly)
    try {
      const result = await fetchInPage(page, `/ipfs/${onlyOnCCid}`)
      expect(result.status).toBe(200)
      expect(result.length).toBe(onlyOnC.byteLength)
      expect(result.sha256).toBe(sha256(onlyOnC))
      expect(parseSourceHeader(result.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
    } finally {
      await page.context().close()
    }
    // a peer with a gateway is asked over HTTP only: C sent nothing over bitswap
    expect(await blocksSent(c)).toBe(sentByC)
  })

  it('content no Kubo node has (Kubo answers 200 with no providers): a 504 naming that, promptly', async () => {
    const cid = await absentCid()
    const answer = await fetch(`${a.gateway}/routing/v1/providers/${cid}`, { headers: { Accept: 'application/json' } })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ Providers: [] })
    const page = await freshPage(routerOnly)
    try {
      const started = Date.now()
      const result = await fetchInPage(page, `/ipfs/${cid}`)
      expect(result.status).toBe(504)
      expect(result.text).toContain('no edge is configured')
      expect(Date.now() - started).toBeLessThan(PROMPT_MS)
    } finally {
      await page.context().close()
    }
  })

  it('a Kubo router and a Kubo edge listing Kubo B do not make a read peers-first, in a tab whose peer is reachable', async () => {
    await providersListing(a, largeRoot, b.peerId)
    // our edge carries the tab's peer (its relay); Kubo A is an edge and the router, and lists B for both roots
    const gateway = await launch(['--edge', ours.info.http, '--edge', a.gateway, '--router', a.gateway])
    const tab = await openPeerTab(browser, gateway)
    try {
      for (const [path, bytes] of [[largePath, large], [`/ipfs/${onlyOnBCid}`, onlyOnB]] as const) {
        const result = await fetchInPage(tab.page, path)
        expect(result.status, path).toBe(200)
        expect(result.sha256, path).toBe(sha256(bytes))
        expect(result.headers['server-timing'], path).not.toContain('peers first')
        expect(parseSourceHeader(result.headers['x-edgeway-source'])?.peer ?? 0, path).toBe(0)
        expect(parseSourceHeader(result.headers['x-edgeway-source'])?.edge, path).toBeGreaterThan(0)
      }
    } finally {
      await tab.context.close()
    }
  })

  it('our edge killed mid-stream, Kubo B\'s gateway the other edge: the read completes from Kubo, exactly', async () => {
    const victim = await proxy(ours.info.http)
    const survivor = await proxy(b.gateway)
    const gateway = await launch(['--edge', victim.url, '--edge', survivor.url])
    const { result, victimAtKill } = await readKilling(gateway, victim, () => { ours.process.kill('SIGKILL') })
    expect(result).toMatchObject({ status: 200, broken: false, length: large.byteLength, sha256: sha256(large) })
    // the killed edge was the one streaming, and Kubo sent at least what it had not
    expectKilledMidStream(victim, victimAtKill, survivor)
  })

  it('Kubo B killed mid-stream, our edge the other one: the read completes from ours, exactly', async () => {
    // a fresh edge on the same content (the last one was killed): the same root
    const ours2 = await spawnEdge(['--serve', site.dir])
    try {
      expect(ours2.info.roots[site.dir]).toBe(largeRoot)
      const victim = await proxy(b.gateway)
      const survivor = await proxy(ours2.info.http)
      const gateway = await launch(['--edge', victim.url, '--edge', survivor.url])
      const { result, victimAtKill } = await readKilling(gateway, victim, async () => { await b.stop('SIGKILL') })
      expect(result).toMatchObject({ status: 200, broken: false, length: large.byteLength, sha256: sha256(large) })
      expectKilledMidStream(victim, victimAtKill, survivor)
    } finally {
      // the launcher using it stops first (afterAll), so stop this edge only after its reads
      await ours2.stop()
    }
  })

  /**
   * The killed edge was the one streaming, and had not sent the whole file
   * when it died; the other edge sent at least what it had not (the killed
   * one's count includes CAR framing and a cut-off block, so this bound is
   * on the safe side)
   */
  function expectKilledMidStream (victim: CountingEdgeProxy, victimAtKill: number, survivor: CountingEdgeProxy): void {
    expect(victimAtKill).toBeGreaterThanOrEqual(KILL_AT)
    expect(victim.bytes()).toBeLessThan(large.byteLength)
    expect(survivor.bytes()).toBeGreaterThanOrEqual(large.byteLength - victim.bytes())
  }

  /** The large file read in a fresh context; once `KILL_AT` bytes arrived, `kill()` runs and the read goes on */
  async function readKilling (gateway: string, victim: CountingEdgeProxy, kill: () => void | Promise<void>): Promise<{ result: Awaited<ReturnType<typeof readInPage>>, victimAtKill: number }> {
    const page = await freshPage(gateway)
    let victimAtKill = -1
    await page.exposeFunction('onBytes', async () => {
      victimAtKill = victim.bytes()
      await kill()
    })
    try {
      const started = Date.now()
      const result = await readInPage(page, largePath, { pauseAt: KILL_AT })
      process.stderr.write(`kubo-network: ${large.byteLength} bytes with an edge killed at ${KILL_AT} in ${Date.now() - started} ms (the killed edge had sent ${victimAtKill})\n`)
      return { result, victimAtKill }
    } finally {
      await page.context().close()
    }
  }
})


/** `ipfs stats bitswap` BlocksSent */
async function blocksSent (node: KuboNode): Promise<number> {
  return (JSON.parse(await node.ipfs(['stats', 'bitswap', '--enc=json'])) as { BlocksSent: number }).BlocksSent
}

/** Polls `node`'s `/routing/v1/providers/<cid>` until it lists `peerId`: the answer's records and how long that took */
async function providersListing (node: KuboNode, cid: string, peerId: string, query = ''): Promise<{ records: RoutingRecord[], ms: number }> {
  const started = Date.now()
  for (;;) {
    const response = await fetch(`${node.gateway}/routing/v1/providers/${cid}${query}`, { headers: { Accept: 'application/json' } })
    const records = response.ok ? ((await response.json()) as { Providers: RoutingRecord[] | null }).Providers ?? [] : []
    if (!response.ok) await response.body?.cancel()
    if (records.some(record => record.ID === peerId)) {
      return { records, ms: Date.now() - started }
    }
    if (Date.now() - started > PROVIDE_MS) {
      throw new Error(`${node.gateway} did not list ${peerId} for ${cid} within ${PROVIDE_MS} ms (last answer: ${response.status})`)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}
