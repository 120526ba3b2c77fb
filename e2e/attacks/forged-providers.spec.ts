import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../support/browser.ts'
import { makeSite, randomFile, sha256 } from '../support/content.ts'
import { announceForged, forgedAnnouncements } from '../support/forged-providers.ts'
import { loopbackNamespace } from '../support/loopback-netns.ts'
import { fetchInPage } from '../support/page-helpers.ts'
import { openPeerTab } from '../support/peer-tabs.ts'
import { spawnJson, spawnLauncher } from '../support/processes.ts'
import type { LoopbackNamespace } from '../support/loopback-netns.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { PeerTab } from '../support/peer-tabs.ts'
import type { Browser, Page } from 'playwright-core'

const FILE_SIZE = 8 * 1024 * 1024
/** As many forged browsers as finding 3 used, and as an answer holds */
const FORGED = 100
/** Real nodes connected to the edge (an edge takes a few new connections a second from one address) */
const SILENT = 10

/**
 * Finding 3 of issue 12: anyone can announce "browsers" for any content
 * (throw-away keys, correctly signed, relay-looking addresses), and any
 * listed browser switched a root to peers-first: no CAR stream, the edges
 * held back 2 s a block (a cold 32 MiB read went from 0.59 s to 11.2 s).
 * Here 100 such records are announced for a file's root while the reading
 * browser runs a peer; the cold read must not wait on them (no source is held back for browsers now), and is exact.
 */
describe('attack: forged provider records', () => {
  let netns: LoopbackNamespace | undefined
  let site: Awaited<ReturnType<typeof makeSite>>
  let silentSite: Awaited<ReturnType<typeof makeSite>>
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let probe: Page
  let reader: PeerTab
  let file: Uint8Array
  let silentFile: Uint8Array
  let root: string
  let silentRoot: string

  beforeAll(async () => {
    file = randomFile(FILE_SIZE)
    silentFile = randomFile(FILE_SIZE)
    site = await makeSite({ 'file.bin': file })
    silentSite = await makeSite({ 'file.bin': silentFile })
    netns = await loopbackNamespace()
    launcher = await spawnLauncher(['--serve', site.dir, '--serve', silentSite.dir], { prefix: netns?.prefix })
    root = launcher.info.roots[site.dir]
    silentRoot = launcher.info.roots[silentSite.dir]
    browser = await launchBrowser({ executablePath: netns?.chromium, args: ['--allow-loopback-in-peer-connection'] })
    probe = await browser.newPage()
    await probe.goto(`${launcher.info.edges[0].http!}/info`)
    // the reader runs a peer (the gateway page), so its SW considers peers at all
    reader = await openPeerTab(browser, launcher.info.gateway)
    const forged = await forgedAnnouncements(launcher.info.edges[0], [root], FORGED)
    await announceForged(probe, launcher.info.edges[0].http!, forged.body)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await netns?.stop()
    await site?.remove()
    await silentSite?.remove()
  })

  it('a cold read of a root with 100 forged "browsers" does not wait on them, and returns exactly the file', async () => {
    const read = await fetchInPage(reader.page, `/ipfs/${root}/file.bin`)
    expect(read.status).toBe(200)
    expect(read.length).toBe(FILE_SIZE)
    expect(read.sha256).toBe(sha256(file))
    expect(read.headers['server-timing']).not.toContain('peers first')
  })

  it('a root whose listed browsers are connected to the edge but never deliver does not wait on them either, and is exact', async () => {
    // a listing the edge keeps (the peers are connected to it), of a root nobody has read yet
    const silent = await spawnJson<{ listed: number }>('e2e/support/silent-peers.ts', ['--edge', JSON.stringify(launcher.info.edges[0]), '--cid', silentRoot, '--count', String(SILENT)], { prefix: netns?.prefix })
    try {
      expect(silent.info.listed).toBeGreaterThanOrEqual(SILENT)
      const read = await fetchInPage(reader.page, `/ipfs/${silentRoot}/file.bin`)
      expect(read.status).toBe(200)
      expect(read.sha256).toBe(sha256(silentFile))
      expect(read.headers['server-timing']).not.toContain('peers first')
    } finally {
      await silent.stop()
    }
  })
})
