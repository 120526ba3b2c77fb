import { expectBody, timedRead } from '../support/in-page.ts'
import { openGateway, repeat } from '../support/environment.ts'
import { series, MiB } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import { keepInLimitMemory, limitUrl, openLimit } from '../support/limit-server.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'
import type { Page } from 'playwright-core'

/**
 * P2: the large file again, read by the gateway page from its own origin:
 * Edgeway's SW answering the whole file it verified on the priming read, kept
 * in Cache Storage (the gateway's origin runs only Edgeway's code, so it is
 * not hashed again; a site's own origin re-verifies every block from
 * IndexedDB instead) vs a minimal SW answering from the Cache API, the usual
 * offline-cache set-up, and vs the
 * limit: a minimal SW answering from bytes it holds in memory, in Edgeway's
 * blocks, with no work and with one SHA-256 per block. Memory, not a
 * store, because it is the most any JavaScript-bodied warm read can reach:
 * a store only adds its own cost on top.
 */
export const p2WarmRead: Measure = {
  id: 'P2',
  title: 'Warm read',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const file = env.content.large
    const edgewayContext = await env.browser.newContext()
    const cacheContext = await env.browser.newContext()
    const limitContext = await env.browser.newContext()
    try {
      const edgewayPage = await edgewayContext.newPage()
      await openGateway(env, edgewayPage)
      const url = `/ipfs/${env.root}/${file.path}`
      expectBody(await timedRead(edgewayPage, { url, sha256: true }), file, 'P2 priming read')
      // the store is written behind the stream: give it a moment to settle
      await edgewayPage.waitForTimeout(2000)
      const edgeBlocksBefore = await edgeBlocks(edgewayPage)

      const cachePage = await cacheContext.newPage()
      await primeCacheApi(env, cachePage, `/cached/files/${file.path}`)

      const limitPage = await limitContext.newPage()
      await openLimit(env.limit, limitPage)

      const edgeway: number[] = []
      const cache: number[] = []
      const limitNone: number[] = []
      const limitSha256: number[] = []
      await repeat(env, `P2 ${file.bytes / MiB} MiB`, async (run, recorded) => {
        const fromStore = await timedRead(edgewayPage, { url, sha256: run === 0 })
        expectBody(fromStore, file, 'P2 Edgeway')
        const fromCache = await timedRead(cachePage, { url: `/cached/files/${file.path}`, sha256: run === 0 })
        expectBody(fromCache, file, 'P2 Cache API')
        // untimed, and a no-op unless the browser stopped the idle SW since the last run
        await keepInLimitMemory(limitPage, file.path)
        const fromMemory = await timedRead(limitPage, { url: limitUrl('memory', false, file.path), sha256: run === 0 })
        expectBody(fromMemory, file, `P2 ${LIMIT_NONE}`)
        const fromMemoryHashed = await timedRead(limitPage, { url: limitUrl('memory', true, file.path), sha256: run === 0 })
        expectBody(fromMemoryHashed, file, `P2 ${LIMIT_SHA256}`)
        if (recorded) {
          edgeway.push(fromStore.totalMs)
          cache.push(fromCache.totalMs)
          limitNone.push(fromMemory.totalMs)
          limitSha256.push(fromMemoryHashed.totalMs)
        }
      })
      const edgeBlocksAfter = await edgeBlocks(edgewayPage)
      const subject = series('Edgeway SW (verified files)', 'ms', edgeway)
      const anchor = series('Cache API via SW', 'ms', cache)
      const none = series(LIMIT_NONE, 'ms', limitNone)
      const sha256 = series(LIMIT_SHA256, 'ms', limitSha256)
      return {
        id: 'P2',
        title: this.title,
        description: `The same ${file.bytes / MiB} MiB file read again by the gateway page from /ipfs/ on its own origin: Edgeway's SW answers the whole file it verified block by block on the first read, kept in Cache Storage (only Edgeway's code runs on that origin; a site's own origin re-checks every block from IndexedDB) vs a service worker answering from the Cache API vs the limit: a minimal SW on its own origin answering from bytes it holds in memory, in Edgeway's blocks, with no work and with one SHA-256 per block.`,
        status: 'ok',
        note: edgeBlocksAfter > edgeBlocksBefore ? `${edgeBlocksAfter - edgeBlocksBefore} blocks came from the edge during warm reads` : undefined,
        series: [subject, anchor, none, sha256],
        checks: [timeCheck(subject, anchor, 1.5), timeCheck(subject, sha256), timeCheck(subject, none)],
        extra: { edgeBlocksDuringWarmReads: edgeBlocksAfter - edgeBlocksBefore }
      }
    } finally {
      await Promise.all([edgewayContext.close(), cacheContext.close(), limitContext.close()])
    }
  }
}

const LIMIT_NONE = 'SW limit, in memory'
const LIMIT_SHA256 = 'SW limit, in memory+SHA-256'

async function edgeBlocks (page: Page): Promise<number> {
  return page.evaluate(async () => {
    const stats = await (await fetch('/_edgeway/stats')).json() as { blocks: { edge: number } }
    return stats.blocks.edge
  })
}

/** A page under the Cache-API service worker, with `path` put in its cache. */
export async function primeCacheApi (env: BenchEnv, page: Page, path: string): Promise<void> {
  await page.goto(`${env.plain}/cached/page.html`)
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/cached/sw.js', { scope: '/cached/' })
    await navigator.serviceWorker.ready
  })
  await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 })
  await page.evaluate(async (path) => { await (await caches.open('bench')).add(path) }, path)
}
