import * as dagPb from '@ipld/dag-pb'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESCAN_EVERY_MS } from '../../src/peer/provider-announcer.ts'
import { makeSite, randomFile, sha256 } from '../support/content.ts'
import { fetchInPage } from '../support/page-helpers.ts'
import { openPeerTab, providersOf, publishFromTab, setShareViewed, startPeerWorld } from '../support/peer-tabs.ts'
import { spawnJson } from '../support/processes.ts'
import { auditStore } from '../support/stored-blocks.ts'
import type { PeerTab, PeerWorld } from '../support/peer-tabs.ts'
import type { Page } from 'playwright-core'

/** Three of the announcer's rounds and a bit: a block it would list is listed by then */
const WATCH_MS = 3 * RESCAN_EVERY_MS + 1_000
const POLL_MS = 500

/**
 * Finding 4 of issue 12: anyone can ask an edge's delegated routing (CORS
 * `*`) which peers provide a CID, and any connected peer can ask a browser
 * for a block. A browser that listed, and gave, every block it had viewed
 * published its browsing history. With default settings it lists and gives
 * only what its user published or pinned; what it viewed only after the user
 * ticks "Also share what I view", and no longer the moment they untick it.
 */
describe('attack: reading a browser\'s history from the edge\'s routing, or by asking it', () => {
  let world: PeerWorld
  let site: Awaited<ReturnType<typeof makeSite>>
  let root: string
  const files = {
    first: randomFile(600_000),
    second: randomFile(300_000),
    pinned: randomFile(400_000),
    shared: randomFile(500_000)
  }

  beforeAll(async () => {
    site = await makeSite(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${name}.bin`, bytes])))
    world = await startPeerWorld(['--serve', site.dir])
    root = world.launcher.info.roots[site.dir]
  })

  afterAll(async () => {
    await world?.stop()
    await site?.remove()
  })

  const openTab = async (): Promise<PeerTab> => openPeerTab(world.browser, world.launcher.info.gateway)
  const providers = async (cid: string): Promise<string[]> => providersOf(world.probe, world.edgeHttp, cid)

  /** Opens a file of the site through the tab's SW, and checks it arrived whole */
  async function view (tab: PeerTab, name: keyof typeof files): Promise<void> {
    const result = await fetchInPage(tab.page, `/ipfs/${root}/${name}.bin`)
    expect(result.sha256).toBe(sha256(files[name]))
  }

  /** Every block the page's origin stores, as the CIDs an attacker would ask the edge about */
  async function storedCids (page: Page): Promise<string[]> {
    return (await auditStore(page)).keys.map(key => CID.createV1(raw.code, Digest.decode(base32upper.decode(key.slice(1)))).toString())
  }

  /** Asks the edge about each CID, over and over for WATCH_MS: the CIDs for which it ever listed `peerId` */
  async function everListed (peerId: string, cids: string[]): Promise<string[]> {
    const seen = new Set<string>()
    for (const deadline = Date.now() + WATCH_MS; Date.now() < deadline;) {
      for (const cid of cids) {
        if ((await providers(cid)).includes(peerId)) {
          seen.add(cid)
        }
      }
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
    }
    return [...seen]
  }

  /** The CIDs of which the edge lists `peerId` now, asked once each */
  async function listedNow (peerId: string, cids: string[]): Promise<string[]> {
    const listed = await Promise.all(cids.map(async cid => (await providers(cid)).includes(peerId)))
    return cids.filter((_, i) => listed[i])
  }

  /** The CID of a file of the site, read from the directory block the edge serves */
  async function fileCid (name: string): Promise<string> {
    const bytes = await world.probe.evaluate(async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer())], `${world.edgeHttp}/ipfs/${root}?format=raw`)
    const link = dagPb.decode(new Uint8Array(bytes)).Links.find(link => link.Name === name)
    return link!.Hash.toString()
  }

  it('(a) with default settings, content viewed through the SW, in this session or an earlier one, never lists the browser', async () => {
    const a = await openTab()
    await view(a, 'first')
    const firstSession = await storedCids(a.page)
    // the directory, the file's node and its leaves: what an attacker would ask about
    expect(firstSession.length).toBeGreaterThanOrEqual(4)
    expect(await everListed(a.peerId, firstSession)).toEqual([])

    // a later session: the page is opened again and its peer starts afresh, on the store that kept the first visit
    await a.page.reload()
    await a.page.locator(`[data-testid="peer-status"][data-reachable="true"]:not([data-peer-id="${a.peerId}"])`).waitFor({ timeout: 60_000 })
    const later = (await a.page.getByTestId('peer-status').getAttribute('data-peer-id'))!
    await view(a, 'second')
    const all = await storedCids(a.page)
    expect(all.length).toBeGreaterThan(firstSession.length)
    expect(await everListed(later, all)).toEqual([])

    // and all that time the peer did announce: what its user publishes is listed
    const published = await publishFromTab({ ...a, peerId: later }, 'mine.bin', randomFile(1000))
    await expect.poll(async () => providers(published.cid), { timeout: WATCH_MS }).toContain(later)
    expect(await listedNow(later, all)).toEqual([])
    await a.context.close()
  })

  it('(b) what the user published or pinned is listed; a root unpinned is withdrawn', async () => {
    const a = await openTab()
    const published = await publishFromTab(a, 'published.bin', randomFile(700_000))
    await expect.poll(async () => providers(published.cid), { timeout: WATCH_MS }).toContain(a.peerId)

    const pinned = await fileCid('pinned.bin')
    await a.page.getByTestId('pin-input').fill(pinned)
    await a.page.getByTestId('pin-button').click()
    const item = a.page.getByTestId('pin-list').locator(`li[data-cid="${pinned}"]`)
    await expect.poll(async () => item.getAttribute('data-complete'), { timeout: 60_000 }).toBe('true')
    await expect.poll(async () => providers(pinned), { timeout: WATCH_MS }).toContain(a.peerId)

    await item.getByTestId('unpin-button').click()
    await expect.poll(async () => providers(pinned), { timeout: WATCH_MS }).not.toContain(a.peerId)
    expect(await providers(published.cid)).toContain(a.peerId)
    await a.context.close()
  })

  it('(c) share-viewed lists and gives what was viewed; turned off, the next GET lists none of it and a direct want is told "don\'t have"', async () => {
    const a = await openTab()
    await view(a, 'shared')
    const viewed = await storedCids(a.page)
    const published = await publishFromTab(a, 'control.bin', randomFile(2000))
    await expect.poll(async () => providers(published.cid), { timeout: WATCH_MS }).toContain(a.peerId)
    expect(await listedNow(a.peerId, viewed)).toEqual([])

    await setShareViewed(a, true)
    expect(await listedNow(a.peerId, viewed)).toEqual(viewed)
    // a peer that dials the tab directly (WebRTC, through the relay) and wants a viewed block and the published one
    const address = await webrtcAddress(world, published.cid, a.peerId)
    const leaf = viewed.find(cid => CID.parse(cid).code === raw.code)!
    expect(await askDirectly(address, [leaf, published.cid])).toEqual({ [leaf]: 'block', [published.cid]: 'block' })

    await setShareViewed(a, false)
    // the very next look at the routing: every viewed block withdrawn, the published one still listed
    expect(await listedNow(a.peerId, viewed)).toEqual([])
    expect(await providers(published.cid)).toContain(a.peerId)
    expect(await askDirectly(address, [leaf, published.cid])).toEqual({ [leaf]: 'dont-have', [published.cid]: 'block' })
    // and it stays so over the announcer's next rounds
    expect(await everListed(a.peerId, viewed)).toEqual([])
    await a.context.close()
  })

  /** The tab's WebRTC address as the edge lists it (with `/p2p/<id>`), read from its record for a CID it provides */
  async function webrtcAddress (world: PeerWorld, cid: string, peerId: string): Promise<string> {
    const records = await world.probe.evaluate(async (url) => ((await (await fetch(url)).json()) as { Providers: Array<{ ID: string, Addrs: string[] }> }).Providers, `${world.edgeHttp}/routing/v1/providers/${cid}`)
    const address = records.find(record => record.ID === peerId)?.Addrs.find(addr => addr.endsWith('/webrtc'))
    expect(address).toBeDefined()
    return `${address!}/p2p/${peerId}`
  }

  /** What the tab answers a peer that wants these blocks from it directly (e2e/support/want-probe.ts) */
  async function askDirectly (address: string, cids: string[]): Promise<Record<string, string>> {
    const probe = await spawnJson<{ answers: Record<string, string> }>('e2e/support/want-probe.ts',
      ['--addr', address, ...cids.flatMap(cid => ['--cid', cid])], { prefix: world.netns?.prefix })
    await probe.stop()
    return probe.info.answers
  }
})
