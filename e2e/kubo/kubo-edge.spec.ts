import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { launchBrowser } from '../support/browser.ts'
import { makeSite, randomFile, sha256 } from '../support/content.ts'
import { startKubo } from '../support/kubo.ts'
import { providedKubo } from '../support/kubo-provided.ts'
import { fetchInPage, openThroughServiceWorker, swEdgeBytes } from '../support/page-helpers.ts'
import { spawnLauncher } from '../support/processes.ts'
import { readInPage } from '../support/read-in-page.ts'
import { testVideo } from '../support/test-video.ts'
import { pauseVideo, seekVideo, startVideo } from '../support/video-element.ts'
import type { KuboNode } from '../support/kubo.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { TestVideo } from '../support/test-video.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

const MiB = 1024 * 1024
const kubo = providedKubo()
/** Entries in the sharded directory: with the threshold below, Kubo shards it (and sub-shards some buckets) */
const HAMT_ENTRIES = 400
/** Kubo's flags for the layout our own edge uses, with 1 MiB leaves instead of 256 KiB */
const V1_FLAGS = ['--cid-version=1', '--raw-leaves', '--chunker=size-1048576']

describe.skipIf(kubo.skipped != null)(`Kubo as the only edge${kubo.skipped == null ? '' : ` (skipped: ${kubo.skipped})`}`, () => {
  let node: KuboNode
  /** Gateway with Kubo's HTTP gateway as its edge */
  let launcher: Running<LauncherInfo>
  /** Gateway with Kubo's `/ws` multiaddr as its edge: bitswap only */
  let bitswapLauncher: Running<LauncherInfo>
  let browser: Browser
  let context: BrowserContext
  /** The gateway page: path-form fetches through the SW */
  let gatewayPage: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  let video: TestVideo
  const defaults = randomFile(6 * MiB + 12_345)
  const v1 = randomFile(5 * MiB + 777)
  const hashed = { blake3: randomFile(3 * MiB + 5), 'sha2-512': randomFile(2 * MiB + 3) }
  const named = randomFile(2 * MiB + 1)
  const overBitswap = randomFile(4 * MiB + 99)
  const cids: Record<'defaults' | 'v1' | 'hamt' | 'site' | 'video' | 'blake3' | 'sha2-512' | 'named', string> = { defaults: '', v1: '', hamt: '', site: '', video: '', blake3: '', 'sha2-512': '', named: '' }

  beforeAll(async () => {
    // the threshold makes any directory of more than a few entries a HAMT, as a large one would be
    ;[node, browser] = await Promise.all([
      startKubo(kubo.path!, { config: { 'Import.UnixFSHAMTDirectorySizeThreshold': '1KiB' } }),
      launchBrowser()
    ])
    video = await testVideo(browser, { targetBytes: 50 * MiB })
    site = await makeSite({
      'index.html': '<!doctype html><title>kubo site</title><link rel="stylesheet" href="style.css"><h1>from kubo</h1>',
      'style.css': 'h1 { color: rgb(4, 5, 6) }'
    })
    const hamt = await makeSite(Object.fromEntries(Array.from({ length: HAMT_ENTRIES }, (_, i) => [`entry-${i}.txt`, `entry ${i}\n`])))
    try {
      cids.defaults = await node.addBytes(defaults)
      cids.v1 = await node.addBytes(v1, V1_FLAGS)
      cids.hamt = await node.add(hamt.dir)
      cids.site = await node.add(site.dir)
      cids.video = await node.add(video.path)
      cids.blake3 = await node.addBytes(hashed.blake3, ['--hash=blake3'])
      cids['sha2-512'] = await node.addBytes(hashed['sha2-512'], ['--hash=sha2-512'])
      cids.named = await node.addBytes(named)
    } finally {
      await hamt.remove()
    }
    ;[launcher, bitswapLauncher] = await Promise.all([spawnLauncher(['--edge', node.gateway]), spawnLauncher(['--edge', node.ws])])
    context = await browser.newContext()
    gatewayPage = await context.newPage()
    await openThroughServiceWorker(gatewayPage, `${launcher.info.gateway}/`)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    expect(await bitswapLauncher?.stop()).toBe(0)
    await node?.stop()
    await site?.remove()
  })

  it('reads a file Kubo added with its defaults (CIDv0, dag-pb leaves, 256 KiB chunks), from Kubo', async () => {
    expect(cids.defaults).toMatch(/^Qm/)
    const result = await fetchInPage(gatewayPage, `/ipfs/${cids.defaults}`)
    expect(result.status).toBe(200)
    expect(result.length).toBe(defaults.byteLength)
    expect(result.sha256).toBe(sha256(defaults))
    expect(parseSourceHeader(result.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
  })

  it('reads a file added with --cid-version=1 --raw-leaves --chunker=size-1048576', async () => {
    expect(cids.v1).toMatch(/^bafybei/)
    const result = await readInPage(gatewayPage, `/ipfs/${cids.v1}`)
    expect(result).toMatchObject({ status: 200, broken: false, length: v1.byteLength, sha256: sha256(v1) })
  })

  it('reads a file from a HAMT-sharded directory', async () => {
    // the root Kubo made is a HAMT shard, not a plain directory
    const root = await fetch(`${node.gateway}/ipfs/${cids.hamt}?format=raw`)
    expect(root.status).toBe(200)
    const data = dagPb.decode(new Uint8Array(await root.arrayBuffer())).Data
    expect(UnixFS.unmarshal(data!).type).toBe('hamt-sharded-directory')

    for (const i of [0, 123, HAMT_ENTRIES - 1]) {
      const result = await fetchInPage(gatewayPage, `/ipfs/${cids.hamt}/entry-${i}.txt`)
      expect(result.status).toBe(200)
      expect(result.text).toBe(`entry ${i}\n`)
    }
    const missing = await fetchInPage(gatewayPage, `/ipfs/${cids.hamt}/entry-${HAMT_ENTRIES}.txt`)
    expect(missing.status).toBe(404)
  })

  it('opens a site with index.html as a page on its own origin', async () => {
    const page = await context.newPage()
    try {
      await openThroughServiceWorker(page, `${launcher.info.gateway}/ipfs/${cids.site}/`)
      expect(new URL(page.url()).hostname).toMatch(/^bafybei[a-z2-7]+\.ipfs\.localhost$/)
      expect(await page.title()).toBe('kubo site')
      await page.waitForFunction(() => getComputedStyle(document.querySelector('h1')!).color === 'rgb(4, 5, 6)')
    } finally {
      await page.close()
    }
  })

  it('answers a range across Kubo\'s 256 KiB chunks with 206 and exactly those bytes', async () => {
    const start = 3 * 256 * 1024 - 1_000
    const end = start + 300_000 - 1
    const result = await fetchInPage(gatewayPage, `/ipfs/${cids.defaults}`, { headers: { Range: `bytes=${start}-${end}` } })
    expect(result.status).toBe(206)
    expect(result.headers['content-range']).toBe(`bytes ${start}-${end}/${defaults.byteLength}`)
    expect(result.length).toBe(end - start + 1)
    expect(result.sha256).toBe(sha256(defaults.subarray(start, end + 1)))
  })

  it('plays a video Kubo added and seeks near its end without fetching the whole file', async () => {
    const page = await context.newPage()
    try {
      await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
      const before = await swEdgeBytes(page)
      const started = await startVideo(page, `/ipfs/${cids.video}`)
      expect(started.duration).toBeCloseTo(video.durationSeconds, 0)
      expect(started.error).toBeUndefined()
      await pauseVideo(page)
      const target = started.duration * 0.9
      const seeked = await seekVideo(page, target)
      expect(seeked.currentTime).toBeGreaterThanOrEqual(target)
      expect(seeked.error).toBeUndefined()
      await pauseVideo(page)
      // the seek did not wait for the file up to there: the start and the seek together took less than the file from Kubo
      expect(await swEdgeBytes(page) - before).toBeLessThan(video.bytes)
    } finally {
      await page.close()
    }
  })

  it('resolves an IPNS name Kubo published, through Kubo\'s /routing/v1/ipns, and reads the bytes it points to', async () => {
    // --allow-offline: this Kubo has no DHT peers to put the record to; it keeps it and answers for it
    const name = (await node.ipfs(['name', 'publish', '--allow-offline', '--quieter', `/ipfs/${cids.named}`])).trim()
    expect(name).toMatch(/^k51/)
    const result = await readInPage(gatewayPage, `/ipns/${name}`)
    expect(result).toMatchObject({ status: 200, broken: false, length: named.byteLength, sha256: sha256(named) })
  })

  it.each([
    ['blake3', /^bafyb4i/],
    ['sha2-512', /^bafybgq/]
  ] as const)('reads a file Kubo added with --hash %s', async (hash, prefix) => {
    expect(cids[hash]).toMatch(prefix)
    const result = await readInPage(gatewayPage, `/ipfs/${cids[hash]}`)
    expect(result).toMatchObject({ status: 200, broken: false, length: hashed[hash].byteLength, sha256: sha256(hashed[hash]) })
  })

  it('reads a file over bitswap alone, with Kubo\'s /ws multiaddr as the edge', async () => {
    expect(bitswapLauncher.info.edges).toHaveLength(1)
    expect(bitswapLauncher.info.edges[0].http).toBeUndefined()
    // added only now, so no earlier request put it in any cache
    const cid = await node.addBytes(overBitswap)
    const sentBefore = await blocksSent(node)
    const page = await context.newPage()
    try {
      await openThroughServiceWorker(page, `${bitswapLauncher.info.gateway}/`)
      const result = await readInPage(page, `/ipfs/${cid}`)
      expect(result).toMatchObject({ status: 200, broken: false, length: overBitswap.byteLength, sha256: sha256(overBitswap) })
      // blake3 blocks come over bitswap as well (this origin's store has none of them)
      const blake3 = await readInPage(page, `/ipfs/${cids.blake3}`)
      expect(blake3).toMatchObject({ status: 200, broken: false, length: hashed.blake3.byteLength, sha256: sha256(hashed.blake3) })
    } finally {
      await page.close()
    }
    // Kubo sent them over bitswap: at least both files' 256 KiB leaves
    expect(await blocksSent(node) - sentBefore).toBeGreaterThanOrEqual(Math.ceil(overBitswap.byteLength / (256 * 1024)) + Math.ceil(hashed.blake3.byteLength / (256 * 1024)))
  })
})

async function blocksSent (node: KuboNode): Promise<number> {
  return (JSON.parse(await node.ipfs(['stats', 'bitswap', '--enc=json'])) as { BlocksSent: number }).BlocksSent
}
