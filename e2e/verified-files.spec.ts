import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { VERIFIED_FILES_CACHE, VERIFIED_FILES_DB } from '../src/content/verified-files.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startCountingEdgeProxy } from './support/counting-edge-proxy.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { CountingEdgeProxy } from './support/counting-edge-proxy.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser, Page } from 'playwright-core'

const MiB = 1024 * 1024
const FILE_SIZE = 8 * MiB
/** Large enough that reading it whole would show: a reader stops after its first MiB */
const LARGE_SIZE = 48 * MiB
const SMALL_SIZE = 4 * MiB
/** A quarter of it (10 MiB) is what kept files may take: two of the 4 MiB files, never three */
const BOUND_BUDGET = 40 * MiB

/** What the gateway's origin keeps, as its own page sees it: cache keys (path and query) and indexed paths. */
async function keptOnPage (page: Page): Promise<{ keys: string[], indexed: string[] }> {
  return page.evaluate(async ({ cacheName, dbName }) => {
    const cache = await caches.open(cacheName)
    const keys = (await cache.keys()).map(request => { const url = new URL(request.url); return `${url.pathname}${url.search}` })
    // opened only when it is there: opening creates it, without the store the SW would create
    const exists = (await indexedDB.databases()).some(db => db.name === dbName)
    const indexed = !exists ? [] : await new Promise<string[]>((resolve) => {
      const open = indexedDB.open(dbName)
      open.onsuccess = () => {
        const db = open.result
        if (!db.objectStoreNames.contains('files')) { db.close(); resolve([]); return }
        const all = db.transaction('files').objectStore('files').getAllKeys()
        all.onsuccess = () => { db.close(); resolve(all.result.map(String)) }
        all.onerror = () => { db.close(); resolve([]) }
      }
      open.onerror = () => { resolve([]) }
    })
    return { keys: keys.sort(), indexed: indexed.sort() }
  }, { cacheName: VERIFIED_FILES_CACHE, dbName: VERIFIED_FILES_DB })
}

/** Sets the budget on the page and waits until the page says it is done (the kept files trimmed to it). */
async function setBudget (page: Page, mib: number | undefined): Promise<void> {
  await page.evaluate(() => { document.querySelector('[data-testid="pin-status"]')!.textContent = '' })
  await page.getByTestId('cache-budget-input').fill(mib == null ? '' : String(mib))
  await page.getByTestId('cache-budget-button').click()
  await expect.poll(async () => page.getByTestId('pin-status').textContent()).toContain(mib == null ? 'the default' : 'Cache budget:')
}

async function edgeBlocks (page: Page): Promise<number> {
  return page.evaluate(async () => (await (await fetch('/_edgeway/stats')).json() as { blocks: { edge: number } }).blocks.edge)
}

const fromKeptFile = (headers: Record<string, string>): boolean => headers['server-timing']?.includes('verified files') === true

describe('whole verified files on the gateway\'s origin', () => {
  let edge: Running<EdgeInfo>
  let proxy: CountingEdgeProxy
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  let root: string
  const file = randomFile(FILE_SIZE)
  const large = randomFile(LARGE_SIZE)
  const small = [randomFile(SMALL_SIZE), randomFile(SMALL_SIZE), randomFile(SMALL_SIZE)]
  const path = (name: string): string => `/ipfs/${root}/${name}`

  beforeAll(async () => {
    site = await makeSite({
      'index.html': '<h1>site</h1>',
      'file.bin': file,
      'large.bin': large,
      ...Object.fromEntries(small.map((bytes, i) => [`small${i}.bin`, bytes]))
    })
    edge = await spawnEdge(['--serve', site.dir])
    root = edge.info.roots[site.dir]
    // every block comes over HTTP through the proxy, which counts what the edge sent
    proxy = await startCountingEdgeProxy(edge.info.http)
    launcher = await spawnLauncher(['--edge', proxy.url, '--timeout-ms', '5000'])
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active')
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await proxy?.stop()
    await edge?.stop()
    await site?.remove()
  })

  it('answers a file read again from the kept file: the same bytes, counted as this browser\'s', async () => {
    const first = await fetchInPage(page, path('file.bin'))
    expect(first.status).toBe(200)
    expect(first.sha256).toBe(sha256(file))
    expect(parseSourceHeader(first.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
    expect(fromKeptFile(first.headers)).toBe(false)
    // a first, cold read is not kept (a copy written while the network delivers costs the read its speed)
    await new Promise(resolve => setTimeout(resolve, 1_000))
    expect(await keptOnPage(page)).toEqual({ keys: [], indexed: [] })
    // the second comes from the block store, every block hashed again, and is kept whole as it goes
    const second = await fetchInPage(page, path('file.bin'))
    expect(second.sha256).toBe(sha256(file))
    expect(fromKeptFile(second.headers)).toBe(false)
    expect(parseSourceHeader(second.headers['x-edgeway-source'])).toMatchObject({ edge: 0, peer: 0 })
    await expect.poll(async () => (await keptOnPage(page)).indexed, { timeout: 20_000 }).toContain(path('file.bin'))
    // the copy streamed under its pending key is deleted just after the kept one is in place
    await expect.poll(async () => (await keptOnPage(page)).keys, { timeout: 5_000 }).toEqual([path('file.bin')])

    const edgeBytes = proxy.bytes()
    const again = await fetchInPage(page, path('file.bin'))
    expect(again.status).toBe(200)
    expect(again.sha256).toBe(sha256(file))
    expect(fromKeptFile(again.headers)).toBe(true)
    const source = parseSourceHeader(again.headers['x-edgeway-source'])
    expect(source).toMatchObject({ edge: 0, peer: 0 })
    // every block of the file (its leaves are at most 256 KiB), not only those of the first answer's first bytes
    expect(source?.cache).toBeGreaterThanOrEqual(FILE_SIZE / (256 * 1024))
    expect(again.headers['x-edgeway-bytes']).toContain(`cache=${FILE_SIZE}`)
    for (const name of ['etag', 'x-ipfs-path', 'x-ipfs-roots', 'content-type', 'cache-control', 'content-security-policy']) {
      expect(again.headers[name], name).toBe(first.headers[name])
    }
    expect(again.headers['content-length']).toBe(String(FILE_SIZE))
    expect(proxy.bytes()).toBe(edgeBytes)
    // the page's statistics count the kept file's blocks as this browser's
    const stats = await page.evaluate(async () => (await (await fetch('/_edgeway/stats')).json()) as { blocks: { cache: number } })
    expect(stats.blocks.cache).toBeGreaterThanOrEqual(source!.cache)
  })

  it('answers one range, If-None-Match and HEAD from the kept file', async () => {
    const range = await fetchInPage(page, path('file.bin'), { headers: { Range: 'bytes=1000-1999' } })
    expect(range.status).toBe(206)
    expect(range.headers['content-range']).toBe(`bytes 1000-1999/${FILE_SIZE}`)
    expect(range.length).toBe(1000)
    expect(range.sha256).toBe(sha256(file.subarray(1000, 2000)))
    expect(fromKeptFile(range.headers)).toBe(true)

    const suffix = await fetchInPage(page, path('file.bin'), { headers: { Range: 'bytes=-10' } })
    expect(suffix.status).toBe(206)
    expect(suffix.headers['content-range']).toBe(`bytes ${FILE_SIZE - 10}-${FILE_SIZE - 1}/${FILE_SIZE}`)
    expect(suffix.sha256).toBe(sha256(file.subarray(FILE_SIZE - 10)))

    const etag = range.headers.etag
    const notModified = await page.evaluate(async ({ url, etag }) => {
      const response = await fetch(url, { headers: { 'If-None-Match': etag } })
      return { status: response.status, timing: response.headers.get('server-timing') }
    }, { url: path('file.bin'), etag })
    expect(notModified.status).toBe(304)
    expect(notModified.timing).toContain('verified files')

    const head = await page.evaluate(async (url) => {
      const response = await fetch(url, { method: 'HEAD' })
      return { status: response.status, length: response.headers.get('content-length'), timing: response.headers.get('server-timing') }
    }, path('file.bin'))
    expect(head).toEqual({ status: 200, length: String(FILE_SIZE), timing: 'edgeway-files;desc="verified files"' })

    // several ranges are the normal path's (the kept file is not sliced for them)
    const multi = await fetchInPage(page, path('file.bin'), { headers: { Range: 'bytes=0-1,5-6' } })
    expect(fromKeptFile(multi.headers)).toBe(false)
  })

  it('keeps nothing of a file its reader stopped reading, and stops fetching it from the edge', async () => {
    // first cold, then again from the store (whose read is kept as it goes): each stopped after 1 MiB
    for (const read of ['cold', 'from the store'] as const) {
      await readAndStop(read)
    }
  })

  async function readAndStop (which: string): Promise<void> {
    const before = proxy.bytes()
    const blocksBefore = await edgeBlocks(page)
    const read = await page.evaluate(async (url) => {
      const reader = (await fetch(url)).body!.getReader()
      let bytes = 0
      while (bytes < 1024 * 1024) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
      }
      await reader.cancel()
      return bytes
    }, path('large.bin'))
    expect(read).toBeGreaterThanOrEqual(1024 * 1024)
    // what was asked of the edge before the cancel arrived comes, then nothing more: the edge's bytes stop
    // growing (checked every 2 s), well short of the whole file
    let settled = -1
    for (let i = 0; i < 10 && proxy.bytes() !== settled; i++) {
      settled = proxy.bytes()
      await new Promise(resolve => setTimeout(resolve, 2_000))
    }
    expect(proxy.bytes()).toBe(settled)
    // the edge may have streamed one read-ahead segment into the socket, never the whole file; and the SW
    // took from it what the reader read and a few windows ahead, not the file (48 MiB is about 196 blocks)
    expect(settled - before, which).toBeLessThan(LARGE_SIZE)
    expect(await edgeBlocks(page) - blocksBefore, which).toBeLessThan(196 / 2)
    const kept = await keptOnPage(page)
    expect(kept.indexed, which).not.toContain(path('large.bin'))
    expect(kept.keys.filter(key => key.includes('large.bin')), which).toEqual([])
  }

  it('on a site\'s own origin, never answers what a script put in that origin\'s storage', async () => {
    const port = new URL(launcher.info.gateway).port
    const sitePage = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(sitePage, `http://${root}.ipfs.localhost:${port}/`)
    const forged = 'forged bytes, not the file'
    // the keys and index entries the gateway's origin would use, in both path forms
    await sitePage.evaluate(async ({ cacheName, dbName, paths, forged, size }) => {
      const cache = await caches.open(cacheName)
      await new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(dbName, 1)
        open.onupgradeneeded = () => { open.result.createObjectStore('files', { keyPath: 'path' }) }
        open.onsuccess = () => {
          const tx = open.result.transaction('files', 'readwrite')
          for (const path of paths) tx.objectStore('files').put({ path, bytes: size, blocks: 1, usedAt: Date.now() })
          tx.oncomplete = () => { open.result.close(); resolve() }
          tx.onerror = () => { reject(tx.error) }
        }
        open.onerror = () => { reject(open.error) }
      })
      for (const path of paths) {
        await cache.put(path, new Response(forged, { headers: { etag: '"forged"', 'cache-control': 'public, max-age=29030400, immutable', 'server-timing': 'edgeway-files;desc="verified files"' } }))
      }
    }, { cacheName: VERIFIED_FILES_CACHE, dbName: VERIFIED_FILES_DB, paths: ['/file.bin', path('file.bin')], forged, size: forged.length })
    for (let i = 0; i < 2; i++) {
      const answer = await fetchInPage(sitePage, '/file.bin')
      expect(answer.status).toBe(200)
      expect(answer.sha256).toBe(sha256(file))
      expect(fromKeptFile(answer.headers)).toBe(false)
      expect(answer.headers.etag).not.toBe('"forged"')
    }
    await sitePage.context().close()
  })

  it('keeps files within their share of the budget, least recently used out first', async () => {
    await setBudget(page, BOUND_BUDGET / MiB)
    for (const [i, bytes] of small.entries()) {
      // read twice: the second read, from the block store, is the one kept
      for (let read = 0; read < 2; read++) {
        const result = await fetchInPage(page, path(`small${i}.bin`))
        expect(result.sha256).toBe(sha256(bytes))
      }
      // one after the other, so their order of use is the order of reads
      await expect.poll(async () => (await keptOnPage(page)).indexed, { timeout: 20_000 }).toContain(path(`small${i}.bin`))
    }
    // file.bin (8 MiB, least recently used) and small0.bin went to make room: 10 MiB hold two 4 MiB files
    // (the last write trims behind its answer)
    await expect.poll(async () => keptOnPage(page), { timeout: 20_000 }).toEqual({ keys: [path('small1.bin'), path('small2.bin')], indexed: [path('small1.bin'), path('small2.bin')] })
    // blocks and kept files together stay within the budget the user set, and the page counts both
    await expect.poll(async () => {
      const cached = Number(await page.getByTestId('cache-usage').getAttribute('data-cached-bytes'))
      return cached >= 2 * SMALL_SIZE && cached <= BOUND_BUDGET
    }, { timeout: 30_000 }).toBe(true)
    const evicted = await fetchInPage(page, path('small0.bin'))
    expect(evicted.sha256).toBe(sha256(small[0]))
    expect(fromKeptFile(evicted.headers)).toBe(false)
  })

  it('a budget of 0 set on the page empties them', async () => {
    await expect.poll(async () => (await keptOnPage(page)).indexed.length, { timeout: 20_000 }).toBeGreaterThan(0)
    await setBudget(page, 0)
    expect(await keptOnPage(page)).toEqual({ keys: [], indexed: [] })
    const again = await fetchInPage(page, path('small2.bin'))
    expect(again.sha256).toBe(sha256(small[2]))
    expect(fromKeptFile(again.headers)).toBe(false)
    // and with no budget for them, nothing is kept either
    await new Promise(resolve => setTimeout(resolve, 1_000))
    expect(await keptOnPage(page)).toEqual({ keys: [], indexed: [] })
  })

  it('with the edge stopped, a kept file is still answered whole', async () => {
    await setBudget(page, undefined)
    const first = await fetchInPage(page, path('file.bin'))
    expect(first.sha256).toBe(sha256(file))
    // read again: from the store if the first read was the network's, and kept then
    expect((await fetchInPage(page, path('file.bin'))).sha256).toBe(sha256(file))
    await expect.poll(async () => (await keptOnPage(page)).indexed, { timeout: 20_000 }).toContain(path('file.bin'))
    expect(await edge.stop()).toBe(0)
    const offline = await fetchInPage(page, path('file.bin'))
    expect(offline.status).toBe(200)
    expect(offline.sha256).toBe(createHash('sha256').update(file).digest('hex'))
    expect(fromKeptFile(offline.headers)).toBe(true)
  })
})
