import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { blake3 } from '../src/lib/block-hashers.ts'
import { launchBrowser } from './support/browser.ts'
import { startHostileEdge, startLyingEdge } from './support/lying-edge.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { auditStore } from './support/stored-blocks.ts'
import type { HostileEdge, LyingEdge } from './support/lying-edge.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser } from 'playwright-core'

const TRUTH = new TextEncoder().encode('the real bytes of this block\n')
const FORGED = 'forged bytes that are not the block'

// a blake3 CID is asked for like any other (not refused before any source) and its forgery refused all the same
describe.each([
  { hash: 'sha2-256', hasher: sha256Hasher },
  { hash: 'blake3', hasher: blake3 }
])('an edge that sends wrong bytes for a $hash block', ({ hasher }) => {
  let liar: LyingEdge
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let cid: string

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await hasher.digest(TRUTH)).toString()
    liar = await startLyingEdge(() => new TextEncoder().encode(FORGED))
    launcher = await spawnLauncher(['--edge', liar.url, '--timeout-ms', '4000'])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await liar?.stop()
  })

  it('is answered 502, the forged bytes never reach the page, and nothing is cached', async () => {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    for (const attempt of [1, 2]) {
      const result = await fetchInPage(page, `/ipfs/${cid}`)
      expect(result.status, `attempt ${attempt}`).toBe(502)
      expect(result.text).toContain('data-testid="error"')
      expect(result.text).not.toContain(FORGED)
      expect(result.headers['x-edgeway-source']).toBe('cache=0, edge=0, peer=0')
    }
    // the second attempt asked the edge again: the first one's bytes were not kept
    expect(liar.lies()).toBeGreaterThanOrEqual(2)
    expect((await auditStore(page)).blocks).toBe(0)
  })
})

// blake3 too: its blocks are checked in JavaScript, not by WebCrypto, and must be refused all the same
describe.each(['sha2-256', 'blake3'])('an edge whose CAR stream carries a forged block, listed before an honest edge (--hash %s)', (hash) => {
  const FILE = randomFile(6 * 1024 * 1024 + 4321)
  let site: Awaited<ReturnType<typeof makeSite>>
  let honest: Running<EdgeInfo>
  let forger: HostileEdge
  let launcher: Running<LauncherInfo>
  let browser: Browser

  beforeAll(async () => {
    site = await makeSite({ 'film.bin': FILE })
    honest = await spawnEdge(['--hash', hash, '--serve', site.dir])
    // a bit in the CAR's middle block: the blocks before it are genuine, this one is not
    forger = await startHostileEdge(honest.info.http, { raw: 'honest', car: 'flip-bit' })
    launcher = await spawnLauncher(['--edge', forger.url, '--edge', honest.info.http])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await forger?.stop()
    await honest?.stop()
    await site?.remove()
  })

  it('delivers exactly the file: the forged block is refused and the rest comes from the honest edge', async () => {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    const result = await fetchInPage(page, `/ipfs/${honest.info.roots[site.dir]}/film.bin`)
    expect(result.status).toBe(200)
    expect(result.length).toBe(FILE.byteLength)
    expect(result.sha256).toBe(sha256(FILE))
    expect(forger.hostile().car).toBeGreaterThanOrEqual(1)
    // read again from the local store: what was kept is the file, not the forgery
    const again = await fetchInPage(page, `/ipfs/${honest.info.roots[site.dir]}/film.bin`)
    expect(again.sha256).toBe(sha256(FILE))
    expect(again.headers['x-edgeway-source']).toMatch(/^cache=[1-9]\d*, edge=0, peer=0$/)
    expect((await auditStore(page)).corrupt).toEqual([])
  })
})
