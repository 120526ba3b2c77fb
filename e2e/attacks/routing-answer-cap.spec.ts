import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ROUTING_ANSWER_BYTES } from '../../src/lib/routing-answer.ts'
import { launchBrowser } from '../support/browser.ts'
import { absentCid, makeSite, randomFile, sha256 } from '../support/content.ts'
import { loopbackNamespace } from '../support/loopback-netns.ts'
import { fetchInPage } from '../support/page-helpers.ts'
import { openPeerTab } from '../support/peer-tabs.ts'
import { spawnEdge, spawnJson, spawnLauncher } from '../support/processes.ts'
import type { FloodLookup } from '../support/huge-routing-proxy.ts'
import type { LoopbackNamespace } from '../support/loopback-netns.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { PeerTab } from '../support/peer-tabs.ts'
import type { EdgeInfo } from '../../edge/node/types.ts'
import type { Browser, Page } from 'playwright-core'

const FILE_SIZE = 2 * 1024 * 1024
/** The routing answer the proxy sends: 20 MB, 200 times the readers' cap */
const ANSWER_BYTES = 20 * 1024 * 1024
/**
 * The most a lookup may have got out of the proxy before its reader gave
 * up: the cap plus the few paced writes in flight when it did (the proxy
 * sends 256 KiB every 10 ms), a tenth of the answer.
 */
const MOST_SENT = 2 * 1024 * 1024
/** Short, so the read of content nobody has ends soon after the tab's lookups */
const TIMEOUT_MS = 5_000

/**
 * Finding 9 of issue 12: routing answers were read with `response.json()`,
 * whole, in the SW and in the tab. Here the only edge a gateway knows is a
 * proxy in front of a real edge that answers every provider lookup with 20 MB
 * of valid-looking JSON; a tab runs a peer, so the SW looks up providers
 * (peers first) and asks the tab, which looks them up too.
 */
describe('attack: a routing answer too large to read', () => {
  let netns: LoopbackNamespace | undefined
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Running<EdgeInfo>
  let proxy: Running<{ url: string }>
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let probe: Page
  let tab: PeerTab
  let file: Uint8Array
  let root: string

  /** The lookups the proxy answered for `cid`, asked from the proxy's own origin */
  async function lookupsOf (cid: string): Promise<FloodLookup[]> {
    const { lookups } = await probe.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).json(), `${proxy.info.url}/_flood/stats`) as { lookups: FloodLookup[] }
    return lookups.filter(lookup => lookup.cid === cid)
  }

  beforeAll(async () => {
    file = randomFile(FILE_SIZE)
    site = await makeSite({ 'file.bin': file })
    netns = await loopbackNamespace()
    edge = await spawnEdge(['--serve', site.dir], { prefix: netns?.prefix })
    root = edge.info.roots[site.dir]
    proxy = await spawnJson<{ url: string }>('e2e/support/huge-routing-proxy.ts', ['--edge', edge.info.http, '--answer-bytes', String(ANSWER_BYTES)], { prefix: netns?.prefix })
    launcher = await spawnLauncher(['--edge', proxy.info.url, '--timeout-ms', String(TIMEOUT_MS)], { prefix: netns?.prefix })
    browser = await launchBrowser({ executablePath: netns?.chromium, args: ['--allow-loopback-in-peer-connection'] })
    probe = await browser.newPage()
    await probe.goto(`${proxy.info.url}/info`)
    tab = await openPeerTab(browser, launcher.info.gateway)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await proxy?.stop()
    await edge?.stop()
    await netns?.stop()
    await site?.remove()
  })

  it('the SW gives up on the answer, not peers first, and reads the file from the edge, exact', async () => {
    const read = await fetchInPage(tab.page, `/ipfs/${root}/file.bin`)
    expect(read.status).toBe(200)
    expect(read.sha256).toBe(sha256(file))
    expect(read.headers['server-timing']).not.toContain('peers first')
    // the SW looked the root up, and closed the answer long before its end
    const lookups = await lookupsOf(root)
    expect(lookups.length).toBeGreaterThan(0)
    for (const lookup of lookups) {
      expect(lookup.finished).toBe(false)
      expect(lookup.sent).toBeLessThan(MOST_SENT)
    }
    expect(MAX_ROUTING_ANSWER_BYTES).toBeLessThan(MOST_SENT)
  })

  it('the tab\'s provider lookups give up on it too, and the read ends (504), not held by the answer', async () => {
    const cid = await absentCid()
    const read = await fetchInPage(tab.page, `/ipfs/${cid}`, { headers: { Accept: 'application/json' } })
    expect(read.status).toBe(504)
    // one lookup is the SW's (it keeps an answer per root); the others are the tab's, for the block the SW asked it for
    await expect.poll(async () => (await lookupsOf(cid)).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    for (const lookup of await lookupsOf(cid)) {
      expect(lookup.finished).toBe(false)
      expect(lookup.sent).toBeLessThan(MOST_SENT)
    }
  })
})
