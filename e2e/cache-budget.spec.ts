import { join } from 'node:path'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker, putInIndexedDb } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser, Page } from 'playwright-core'

const MiB = 1024 * 1024
const BUDGET = 10 * MiB
const FILES = 10
/** Ten distinct files of 3 MiB: 30 MiB read through a 10 MiB budget */
const FILE_SIZE = 3 * MiB
const PINNED_SIZE = 8 * MiB
const SMALL_BUDGET = 2 * MiB

interface Usage { cached: number, pinned: number, budget: number }

/** The page's `cache-usage`, in the exact bytes it carries alongside the text. */
async function usageOf (page: Page): Promise<Usage> {
  const element = page.getByTestId('cache-usage')
  const read = async (name: string): Promise<number> => Number(await element.getAttribute(name))
  return { cached: await read('data-cached-bytes'), pinned: await read('data-pinned-bytes'), budget: await read('data-budget-bytes') }
}

async function edgeBlocksSoFar (page: Page): Promise<number> {
  return page.evaluate(async () => (await (await fetch('/_edgeway/stats')).json() as { blocks: { edge: number } }).blocks.edge)
}

describe('cache budget, eviction and pinning', () => {
  let edge: Running<EdgeInfo>
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  let pinnedSite: Awaited<ReturnType<typeof makeSite>>
  let root: string
  let pinnedCid: string
  const files = Array.from({ length: FILES }, () => randomFile(FILE_SIZE))
  const pinned = randomFile(PINNED_SIZE)

  beforeAll(async () => {
    site = await makeSite(Object.fromEntries(files.map((bytes, i) => [`f${i}.bin`, bytes])))
    pinnedSite = await makeSite({ 'pinned.bin': pinned })
    const pinnedPath = join(pinnedSite.dir, 'pinned.bin')
    edge = await spawnEdge(['--serve', site.dir, '--serve', pinnedPath])
    root = edge.info.roots[site.dir]
    pinnedCid = edge.info.roots[pinnedPath]
    // the gateway outlives the edge: stopping the edge is what "offline" means here
    launcher = await spawnLauncher(['--edge', edge.info.http, '--timeout-ms', '5000'])
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active')
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
    await pinnedSite?.remove()
  })

  it('sets the budget in the page, for the whole origin', async () => {
    await page.getByTestId('cache-budget-input').fill(String(BUDGET / MiB))
    await page.getByTestId('cache-budget-button').click()
    await expect.poll(async () => (await usageOf(page)).budget).toBe(BUDGET)
    expect(await page.getByTestId('cache-usage').textContent()).toContain('10.0 MiB')
  })

  it('pins an 8 MiB file from the page: every block fetched, verified and kept', async () => {
    await page.getByTestId('pin-input').fill(pinnedCid)
    await page.getByTestId('pin-button').click()
    const item = page.getByTestId('pin-list').locator(`li[data-cid="${pinnedCid}"]`)
    await expect.poll(async () => item.getAttribute('data-complete'), { timeout: 60_000 }).toBe('true')
    expect(await page.getByTestId('pin-status').textContent()).toContain(`Pinned ${pinnedCid}`)
    expect((await usageOf(page)).pinned).toBeGreaterThanOrEqual(PINNED_SIZE)
  })

  it('reads 30 MiB of distinct files through the SW, and the cache stays within its budget', async () => {
    for (const [i, bytes] of files.entries()) {
      const result = await fetchInPage(page, `/ipfs/${root}/f${i}.bin`)
      expect(result.status).toBe(200)
      expect(result.sha256).toBe(sha256(bytes))
      expect(parseSourceHeader(result.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
    }
    // eviction runs behind the responses, in the SW, and the page shows usage at its next refresh: until then it
    // may still show the usage from before these reads (nothing cached), which must not pass for "within budget"
    await expect.poll(async () => {
      const { cached } = await usageOf(page)
      return cached >= FILE_SIZE && cached <= BUDGET
    }, { timeout: 30_000 }).toBe(true)
    expect((await usageOf(page)).pinned).toBeGreaterThanOrEqual(PINNED_SIZE)
  })

  it('keeps the most recently used file whole: read again, no block comes from the edge', async () => {
    const before = await edgeBlocksSoFar(page)
    const again = await fetchInPage(page, `/ipfs/${root}/f${FILES - 1}.bin`)
    expect(again.status).toBe(200)
    expect(again.sha256).toBe(sha256(files[FILES - 1]))
    expect(parseSourceHeader(again.headers['x-edgeway-source'])).toMatchObject({ edge: 0, peer: 0 })
    expect(await edgeBlocksSoFar(page)).toBe(before)
  })

  it('evicted the least recently used file: read again, it comes from the edge', async () => {
    const before = await edgeBlocksSoFar(page)
    const again = await fetchInPage(page, `/ipfs/${root}/f0.bin`)
    expect(again.sha256).toBe(sha256(files[0]))
    expect(await edgeBlocksSoFar(page) - before).toBeGreaterThan(0)
  })

  it('the SDK keeps to a budget and pins in a store written before budgets existed', async () => {
    // a fresh browser profile whose store an earlier Edgeway wrote: one object store of blocks, nothing else
    const legacy = randomFile(100 * 1024)
    const legacyCid = CID.createV1(raw.code, await sha256Hasher.digest(legacy))
    const context = await browser.newContext()
    const dapp = await context.newPage()
    await dapp.goto(`${launcher.info.gateway}/edgeway.json`)
    // a block as a version 1 store holds it
    await putInIndexedDb(dapp, { db: 'edgeway-blocks', store: 'edgeway-blocks', key: `/${base32upper.encode(legacyCid.multihash.bytes)}`, value: [...legacy] })

    await dapp.addScriptTag({ type: 'module', content: `import { createEdgeClient } from '/sdk/edgeway.js'; window.createEdgeClient = createEdgeClient` })
    await dapp.waitForFunction(() => 'createEdgeClient' in window)
    const budget = 4 * MiB
    const result = await dapp.evaluate(async ({ edges, budget, legacyCid, pinnedCid, reads }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => any }
      const client = createEdgeClient({ edges, allowLocal: true, allowInsecure: true, cacheBudgetBytes: budget })
      const before = await client.usage()
      const legacy: Response = await client.fetch(`ipfs://${legacyCid}`)
      const legacyBytes = (await legacy.arrayBuffer()).byteLength
      let progressEvents = 0
      const pin = await client.pin(pinnedCid, { onProgress: () => { progressEvents++ } })
      const pins = await client.pins()
      for (const url of reads) {
        await (await client.fetch(url)).arrayBuffer()
      }
      // eviction runs behind the writes: wait until the store has settled
      let afterReads = await client.usage()
      for (let i = 0; i < 100 && afterReads.cachedBytes > budget; i++) {
        await new Promise(resolve => setTimeout(resolve, 100))
        afterReads = await client.usage()
      }
      const unpinned = await client.unpin(pinnedCid)
      const afterUnpin = await client.usage()
      await client.setCacheBudget(undefined)
      const byDefault = await client.usage()
      await client.stop()
      return { before, legacyStatus: legacy.status, legacySource: legacy.headers.get('x-edgeway-source'), legacyBytes, progressEvents, pin, pins, afterReads, unpinned, afterUnpin, byDefault, pinsAfter: await client.pins() }
    }, {
      edges: launcher.info.edges,
      budget,
      legacyCid: legacyCid.toString(),
      pinnedCid,
      reads: [1, 2, 3].map(i => `ipfs://${root}/f${i}.bin`)
    })
    await context.close()

    // the upgrade kept the earlier block, counted it, and it is served from the store
    expect(result.before).toEqual({ cachedBytes: legacy.byteLength, pinnedBytes: 0, budgetBytes: budget, defaultBudget: false })
    expect(result.legacyStatus).toBe(200)
    expect(result.legacyBytes).toBe(legacy.byteLength)
    expect(parseSourceHeader(result.legacySource)).toMatchObject({ cache: 1, edge: 0 })
    // pin: the whole DAG, with progress
    expect(result.pin).toMatchObject({ cid: pinnedCid, complete: true })
    expect(result.pin.bytes).toBeGreaterThanOrEqual(PINNED_SIZE)
    expect(result.progressEvents).toBe(result.pin.blocks)
    expect(result.pins.map((pin: { cid: string }) => pin.cid)).toEqual([pinnedCid])
    // 9 MiB read through a 4 MiB budget next to an 8 MiB pin
    expect(result.afterReads.cachedBytes).toBeLessThanOrEqual(budget)
    expect(result.afterReads.pinnedBytes).toBe(result.pin.bytes)
    expect(result.unpinned).toBe(true)
    expect(result.afterUnpin.pinnedBytes).toBe(0)
    expect(result.afterUnpin.cachedBytes).toBeLessThanOrEqual(budget)
    expect(result.byDefault.defaultBudget).toBe(true)
    expect(result.byDefault.budgetBytes).toBeGreaterThan(budget)
    expect(result.pinsAfter).toEqual([])
  })

  it('a smaller budget set in the page evicts there, and still never a pinned block', async () => {
    await page.getByTestId('cache-budget-input').fill(String(SMALL_BUDGET / MiB))
    await page.getByTestId('cache-budget-button').click()
    await expect.poll(async () => (await usageOf(page)).budget).toBe(SMALL_BUDGET)
    const usage = await usageOf(page)
    expect(usage.cached).toBeLessThanOrEqual(SMALL_BUDGET)
    expect(usage.pinned).toBeGreaterThanOrEqual(PINNED_SIZE)
  })

  it('with the edge stopped, the pinned file reads back whole from this browser', async () => {
    expect(await edge.stop()).toBe(0)
    const result = await fetchInPage(page, `/ipfs/${pinnedCid}`)
    expect(result.status).toBe(200)
    expect(result.length).toBe(PINNED_SIZE)
    expect(result.sha256).toBe(sha256(pinned))
    expect(parseSourceHeader(result.headers['x-edgeway-source'])).toMatchObject({ edge: 0, peer: 0 })
  })

  it('unpinning releases the file to eviction', async () => {
    await page.getByTestId('pin-list').locator(`li[data-cid="${pinnedCid}"]`).getByTestId('unpin-button').click()
    await expect.poll(async () => page.getByTestId('pin-list').locator(`li[data-cid="${pinnedCid}"]`).count()).toBe(0)
    const usage = await usageOf(page)
    expect(usage.pinned).toBe(0)
    expect(usage.cached).toBeLessThanOrEqual(SMALL_BUDGET)
  })
})
