import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockKey } from '../src/node/local-store-schema.ts'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { randomFile, sha256 } from './support/content.ts'
import { fetchInPage } from './support/page-helpers.ts'
import { spawnJson, spawnLauncher } from './support/processes.ts'
import { openPeerTab, providersOf, publishFromTab, startPeerWorld } from './support/peer-tabs.ts'
import { auditStore } from './support/stored-blocks.ts'
import type { LoopbackNamespace } from './support/loopback-netns.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { PeerTab, PeerWorld } from './support/peer-tabs.ts'
import type { Browser, Page } from 'playwright-core'

/**
 * Short, so "nobody has it" is a quick 504; long enough for a WebRTC dial
 * through the relay on a busy machine, and for a second one when the first
 * stalls (seen here about once in ten runs: ICE never completes, the dial
 * times out, the tab dials again)
 */
const TIMEOUT_MS = 10_000
const FILE_SIZE = 5 * 1024 * 1024

/**
 * Two browsers on one machine: two Chromium contexts (separate storage, SW,
 * peer), each with the gateway page open so its tab runs a peer. WebRTC
 * between them needs camera/microphone permission (else Chromium gathers no
 * ICE candidates) and --allow-loopback-in-peer-connection; the whole run sits
 * in a loopback-only network namespace when the tests run as root.
 */
describe('the browser as a peer', () => {
  let world: PeerWorld
  let launcher: Running<LauncherInfo>
  let edgeHttp: string
  /** A page on the edge's own origin, where no service worker answers for the edge */
  let probe: Page
  let browser: Browser
  let netns: LoopbackNamespace | undefined

  beforeAll(async () => {
    world = await startPeerWorld(['--timeout-ms', String(TIMEOUT_MS)])
    ;({ launcher, edgeHttp, probe, browser, netns } = world)
  })

  afterAll(async () => {
    await world?.stop()
  })

  const openPeer = async (): Promise<PeerTab> => openPeerTab(browser, launcher.info.gateway)
  const publish = publishFromTab
  const providers = async (cid: string): Promise<string[]> => providersOf(probe, edgeHttp, cid)

  /** The status of the edge's trustless gateway for the block `cid` */
  async function edgeHolds (cid: string): Promise<number> {
    return probe.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).status, `${edgeHttp}/ipfs/${cid}?format=raw`)
  }

  it('a file published in one browser reaches another from that tab over WebRTC, verified, with no edge holding it', async () => {
    const a = await openPeer()
    const b = await openPeer()
    const file = randomFile(FILE_SIZE)
    const { cid, path } = await publish(a, 'clip.bin', file)
    await expect.poll(async () => providers(cid), { timeout: 30_000 }).toContain(a.peerId)

    const result = await fetchInPage(b.page, path)
    expect(result.status).toBe(200)
    expect(result.length).toBe(FILE_SIZE)
    expect(result.sha256).toBe(sha256(file))
    const counts = parseSourceHeader(result.headers['x-edgeway-source'] ?? null)
    expect(counts?.peer).toBeGreaterThan(0)
    expect(counts?.edge).toBe(0)
    // B's tab reached A directly over WebRTC (the relay only set it up); the panel refreshes once a second
    await expect.poll(async () => Number(await b.page.getByTestId('peer-count').getAttribute('data-webrtc')), { timeout: 5_000 }).toBeGreaterThanOrEqual(1)

    // the edge only ever relayed the WebRTC set-up: it holds none of the blocks
    expect(await edgeHolds(cid)).toBe(404)
    // and the page says the tab served another browser
    await expect.poll(async () => Number(await a.page.getByTestId('peer-served').getAttribute('data-bytes')), { timeout: 10_000 }).toBeGreaterThanOrEqual(FILE_SIZE)
    expect(Number(await a.page.getByTestId('peer-count').textContent())).toBeGreaterThanOrEqual(1)
    await Promise.all([a.context.close(), b.context.close()])
  })

  it('with peer serving switched off, another browser cannot get its content from it, even while connected to it', async () => {
    const a = await openPeer()
    const b = await openPeer()
    const small = 256 * 1024 + 1
    const before = await publish(a, 'before.bin', randomFile(small))
    await expect.poll(async () => providers(before.cid), { timeout: 30_000 }).toContain(a.peerId)
    // B fetches from A while A serves: now the two are connected over WebRTC
    expect((await fetchInPage(b.page, before.path)).status).toBe(200)
    const served = async (): Promise<number> => Number(await a.page.getByTestId('peer-served').getAttribute('data-bytes'))
    await expect.poll(served, { timeout: 10_000 }).toBeGreaterThanOrEqual(small)

    await a.page.getByTestId('peer-serving-toggle').uncheck()
    await a.page.locator('[data-testid="peer-status"][data-serving="false"]').waitFor()
    // from here on, not one more byte may leave A
    const servedBefore = await served()
    // switching off withdrew what it had announced
    await expect.poll(async () => providers(before.cid), { timeout: 10_000 }).not.toContain(a.peerId)

    const after = await publish(a, 'after.bin', randomFile(1024 * 1024))
    expect(await providers(after.cid)).not.toContain(a.peerId)
    // still connected: B's wants reach A directly, and A refuses them
    await expect.poll(async () => Number(await b.page.getByTestId('peer-count').getAttribute('data-webrtc')), { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    const started = Date.now()
    const result = await fetchInPage(b.page, after.path, { headers: { Accept: 'application/json' } })
    expect(result.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 10_000)
    expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)?.peer).toBe(0)
    expect(await served()).toBe(servedBefore)
    await Promise.all([a.context.close(), b.context.close()])
  })

  it('the SW finds a tab again after the browser restarts it, and answers 504 when no tab runs a peer', async () => {
    const a = await openPeer()
    const bytes = randomFile(300_000)
    const first = await publish(a, 'first.bin', bytes)
    const second = await publish(a, 'second.bin', randomFile(300_000))
    await expect.poll(async () => providers(second.cid), { timeout: 30_000 }).toContain(a.peerId)

    const b = await openPeer()
    // the browser stops idle service workers at will: the new one has lost the tab's port and asks open tabs again
    const swStartedAt = async (): Promise<number> => JSON.parse((await fetchInPage(b.page, '/_edgeway/stats')).text).startedAt
    const before = await swStartedAt()
    const cdp = await b.context.newCDPSession(b.page)
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    let restarted = await fetchInPage(b.page, first.path)
    expect(await swStartedAt()).toBeGreaterThan(before)
    // as below: a dial that outlasts the SW's wait on a loaded machine is a 504 its user would try again
    for (let tries = 0; restarted.status === 504 && tries < 2; tries++) restarted = await fetchInPage(b.page, first.path)
    expect(restarted.status).toBe(200)
    expect(restarted.sha256).toBe(sha256(bytes))
    expect(parseSourceHeader(restarted.headers['x-edgeway-source'] ?? null)?.peer).toBeGreaterThan(0)

    // the page leaves the gateway page: no tab of this browser runs a peer, so nobody can ask other browsers
    await b.page.goto(`${launcher.info.gateway}/edgeway.json`)
    const started = Date.now()
    const alone = await fetchInPage(b.page, second.path, { headers: { Accept: 'application/json' } })
    expect(alone.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 10_000)
    await Promise.all([a.context.close(), b.context.close()])
  })

  it('a peer that answers with wrong bytes is refused: nothing corrupt reaches the page or the store, and an honest tab delivers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeway-liar-'))
    const file = randomFile(3 * 1024 * 1024)
    const lies = join(dir, 'lies')
    await writeFile(join(dir, 'file.bin'), file)
    await writeFile(lies, '')
    const told = async (): Promise<number> => (await readFile(lies, 'utf8')).split('\n').filter(Boolean).length
    // a peer that holds a relay slot, announces the file's blocks and sends each with a bit flipped
    const liar = await spawnJson<{ peerId: string, root: string, cids: string[] }>('e2e/support/lying-peer.ts',
      ['--edge', JSON.stringify(launcher.info.edges[0]), '--file', join(dir, 'file.bin'), '--report', lies], { prefix: netns?.prefix })
    try {
      expect(await providers(liar.info.root)).toContain(liar.info.peerId)
      const fileKeys = liar.info.cids.map(cid => blockKey(CID.parse(cid)))
      const path = `/ipfs/${liar.info.root}?filename=file.bin`

      // only the liar has it: B's tab asks it, gets lies, and the SW answers that nobody sent the content
      const b = await openPeer()
      const alone = await fetchInPage(b.page, path, { headers: { Accept: 'application/json' } })
      expect(alone.status).toBe(504)
      expect(alone.sha256).not.toBe(sha256(file))
      expect(await told()).toBeGreaterThan(0)
      const afterLies = await auditStore(b.page)
      expect(afterLies.corrupt).toEqual([])
      expect(afterLies.keys.filter(key => fileKeys.includes(key))).toEqual([])

      // an honest browser publishes the same file: B gets exactly the file, and the liar, caught once, is not asked again
      const a = await openPeer()
      const published = await publish(a, 'file.bin', file)
      expect(published.cid).toBe(liar.info.root)
      await expect.poll(async () => providers(published.cid), { timeout: 30_000 }).toContain(a.peerId)
      const liesBefore = await told()
      let result = await fetchInPage(b.page, path)
      // the WebRTC dial to the honest tab can outlast the SW's wait on a loaded two-core machine (a 504 there, in full
      // CI runs): the page asks again, as its user would, and what it gets must be the exact file
      for (let tries = 0; result.status === 504 && tries < 2; tries++) result = await fetchInPage(b.page, path)
      expect(result.status).toBe(200)
      expect(result.sha256).toBe(sha256(file))
      const counts = parseSourceHeader(result.headers['x-edgeway-source'] ?? null)
      expect(counts?.peer).toBeGreaterThan(0)
      expect(counts?.edge).toBe(0)
      expect(await told()).toBe(liesBefore)
      const stored = await auditStore(b.page)
      expect(stored.corrupt).toEqual([])
      expect(fileKeys.every(key => stored.keys.includes(key))).toBe(true)
      await Promise.all([a.context.close(), b.context.close()])
    } finally {
      await liar.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a dApp page publishes with client.add() through the SDK, and another browser opens it from that page', async () => {
    // a dApp on an origin of its own (the gateway server by its IP: another origin, with no service worker)
    // that imports the SDK from the gateway
    const dappOrigin = launcher.info.gateway.replace('//localhost:', '//127.0.0.1:')
    const context = await browser.newContext()
    await context.grantPermissions(['camera', 'microphone'], { origin: dappOrigin })
    const dapp = await context.newPage()
    await dapp.goto(`${dappOrigin}/edgeway.json`)
    await dapp.addScriptTag({ type: 'module', content: `import { createEdgeClient } from '${launcher.info.gateway}/sdk/edgeway.js'; window.createEdgeClient = createEdgeClient` })
    await dapp.waitForFunction(() => 'createEdgeClient' in window)
    const published = await dapp.evaluate(async ({ edges }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => any }
      const client = createEdgeClient({ edges, allowLocal: true, allowInsecure: true, peer: true })
      ;(window as unknown as { client: unknown }).client = client
      const bytes = new Uint8Array(65536 * 12)
      for (let i = 0; i < bytes.byteLength; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
      const result = await client.add([new File([bytes], 'notes.bin')])
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      return { cid: result.cid as string, path: result.path as string, sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join('') }
    }, { edges: launcher.info.edges })
    const dappPeer = await dapp.evaluate(async () => ((await (window as unknown as { client: any }).client.peer.status()) as { peerId: string }).peerId)
    await expect.poll(async () => providers(published.cid), { timeout: 30_000 }).toContain(dappPeer)

    const b = await openPeer()
    const result = await fetchInPage(b.page, published.path)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(published.sha256)
    expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)).toMatchObject({ edge: 0 })
    expect(await edgeHolds(published.cid)).toBe(404)
    await Promise.all([context.close(), b.context.close()])
  })
})

/** An edge uplink slow enough that a read of SERVED_SIZE takes the edge alone ~6 s */
const THIN_UPLINK = 4 * 1024 * 1024

/** A file the edge serves too, large enough that a read takes several CARs (segments of 8 read-ahead windows) */
const SERVED_SIZE = 24 * 1024 * 1024

/**
 * Browsers hand each other whole ranges (`/edgeway/car/1.0.0`) rather than
 * answering per-block bitswap wants: the SW of a browser reading content other
 * browsers announce streams its CARs from them through its tab, each block
 * hashed in the tab and again in the SW.
 */
describe('CAR ranges between browsers', () => {
  let world: PeerWorld
  let dir: string
  let served: { path: string, bytes: Uint8Array }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-car-ranges-'))
    const bytes = randomFile(SERVED_SIZE)
    await writeFile(join(dir, 'big.bin'), bytes)
    world = await startPeerWorld(['--timeout-ms', String(TIMEOUT_MS), '--serve', dir])
    served = { path: `/ipfs/${Object.values(world.launcher.info.roots)[0]}/big.bin`, bytes }
  })

  afterAll(async () => {
    await world?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const openPeer = async (options: { shareViewed?: boolean, logs?: string } = {}): Promise<PeerTab> => openPeerTab(world.browser, world.launcher.info.gateway, options)
  const providers = async (cid: string): Promise<string[]> => providersOf(world.probe, world.edgeHttp, cid)

  it('a file published in one browser reaches another as CARs over /edgeway/car/1.0.0: bytes exact, from the peer alone', async () => {
    const a = await openPeer({ logs: 'edgeway:peer:car-server' })
    const b = await openPeer()
    const file = randomFile(FILE_SIZE * 3)
    const { cid, path } = await publishFromTab(a, 'ranges.bin', file)
    await expect.poll(async () => providers(cid), { timeout: 30_000 }).toContain(a.peerId)

    const result = await fetchInPage(b.page, path)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(file))
    const counts = parseSourceHeader(result.headers['x-edgeway-source'] ?? null)
    expect(counts?.peer).toBeGreaterThan(0)
    expect(counts?.edge).toBe(0)
    // the publisher's tab sent them as CARs, not block by block
    await expect.poll(() => a.logs.filter(line => line.includes('sent a CAR of')).length, { timeout: 10_000 }).toBeGreaterThan(0)
    await Promise.all([a.context.close(), b.context.close()])
  })

  it('a browser that merely viewed content (sharing what it views off) refuses a CAR of it, and sends what it published', async () => {
    const a = await openPeer()
    const viewed = await fetchInPage(a.page, served.path)
    expect(viewed.sha256).toBe(sha256(served.bytes))
    const file = randomFile(300_000)
    const published = await publishFromTab(a, 'mine.bin', file)
    await expect.poll(async () => providers(published.cid), { timeout: 30_000 }).toContain(a.peerId)
    const root = Object.values(world.launcher.info.roots)[0]

    const ask = async (cid: string): Promise<{ blocks: number, bytes: number, error?: { name: string } }> => {
      const asker = await spawnJson<{ blocks: number, bytes: number, error?: { name: string } }>('e2e/support/car-asker.ts',
        ['--edge', JSON.stringify(world.launcher.info.edges[0]), '--peer', a.peerId, '--cid', cid], { prefix: world.netns?.prefix })
      await asker.stop()
      return asker.info
    }
    // what it published: the whole file, over the protocol, to anyone connected
    const sent = await ask(published.cid)
    expect(sent.error).toBeUndefined()
    expect(sent.bytes).toBeGreaterThanOrEqual(file.byteLength)
    // what it viewed (the directory and the file under it, all in its store): nothing
    const refused = await ask(root)
    expect(refused.error?.name).toBe('PeerCarRefusedError')
    expect(refused.blocks).toBe(0)
    await a.context.close()
  })

  it('a peer that sends forged blocks in its CARs is refused: nothing of them stored or served, and an honest tab delivers', async () => {
    const liarDir = await mkdtemp(join(tmpdir(), 'edgeway-car-liar-'))
    const file = randomFile(3 * 1024 * 1024)
    const lies = join(liarDir, 'lies')
    await writeFile(join(liarDir, 'file.bin'), file)
    await writeFile(lies, '')
    const carLies = async (): Promise<number> => (await readFile(lies, 'utf8')).split('\n').filter(line => line.endsWith(' car')).length
    // honest about the file's root, so the reader takes it for a provider that delivers and asks it for CARs
    const liar = await spawnJson<{ peerId: string, root: string, cids: string[] }>('e2e/support/lying-peer.ts',
      ['--edge', JSON.stringify(world.launcher.info.edges[0]), '--file', join(liarDir, 'file.bin'), '--report', lies, '--honest-nodes'], { prefix: world.netns?.prefix })
    try {
      const leafKeys = liar.info.cids.filter(cid => cid !== liar.info.root).map(cid => blockKey(CID.parse(cid)))
      const path = `/ipfs/${liar.info.root}?filename=file.bin`
      const b = await openPeer()
      const alone = await fetchInPage(b.page, path).catch(() => undefined)
      // a lie found once the response is under way breaks its body; before, it is an error status
      expect(alone == null || alone.status >= 500).toBe(true)
      expect(await carLies()).toBeGreaterThan(0)
      const afterLies = await auditStore(b.page)
      expect(afterLies.corrupt).toEqual([])
      expect(afterLies.keys.filter(key => leafKeys.includes(key))).toEqual([])

      const a = await openPeer()
      const published = await publishFromTab(a, 'file.bin', file)
      expect(published.cid).toBe(liar.info.root)
      await expect.poll(async () => providers(published.cid), { timeout: 30_000 }).toContain(a.peerId)
      const result = await fetchInPage(b.page, path)
      expect(result.status).toBe(200)
      expect(result.sha256).toBe(sha256(file))
      expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)).toMatchObject({ edge: 0 })
      const stored = await auditStore(b.page)
      expect(stored.corrupt).toEqual([])
      expect(leafKeys.every(key => stored.keys.includes(key))).toBe(true)
      await Promise.all([a.context.close(), b.context.close()])
    } finally {
      await liar.stop()
      await rm(liarDir, { recursive: true, force: true })
    }
  })

  it('a peer that goes away mid-transfer: the rest comes from the edge, bytes exact', async () => {
    // browsers share a read only when the edge is slow for it: here it has a thin uplink
    const proxy = await spawnJson<{ url: string }>('e2e/support/throttled-edge-proxy.ts',
      ['--edge', JSON.stringify(world.launcher.info.edges[0]), '--bytes-per-second', String(THIN_UPLINK)], { prefix: world.netns?.prefix })
    const gateway = await spawnLauncher(['--edge', proxy.info.url, '--timeout-ms', String(TIMEOUT_MS)], { prefix: world.netns?.prefix })
    try {
      await midTransfer(gateway.info.gateway)
    } finally {
      await gateway.stop()
      await proxy.stop()
    }
  })

  async function midTransfer (gateway: string): Promise<void> {
    const a = await openPeerTab(world.browser, gateway, { shareViewed: true })
    expect((await fetchInPage(a.page, served.path)).sha256).toBe(sha256(served.bytes))
    const root = Object.values(world.launcher.info.roots)[0]
    await expect.poll(async () => providers(root), { timeout: 30_000 }).toContain(a.peerId)

    const b = await openPeerTab(world.browser, gateway)
    const used = async (): Promise<{ edge: number, peer: number }> => b.page.evaluate(async () => ((await (await fetch('/_edgeway/stats', { cache: 'no-store' })).json()) as { bytes: { edge: number, peer: number } }).bytes)
    const reading = fetchInPage(b.page, served.path)
    // A goes away once B has used some of its bytes, long before the file is through
    await expect.poll(async () => (await used()).peer, { timeout: 30_000, interval: 50 }).toBeGreaterThan(1024 * 1024)
    await a.context.close()

    const result = await reading
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(served.bytes))
    const total = await used()
    expect(total.peer).toBeGreaterThan(0)
    expect(total.peer).toBeLessThan(SERVED_SIZE)
    expect(total.edge).toBeGreaterThan(0)
    await b.context.close()
  }
})
