import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startHostileEdge } from './support/lying-edge.ts'
import { openThroughServiceWorker } from './support/page-helpers.ts'
import { readInPage } from './support/read-in-page.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { HostileEdge } from './support/lying-edge.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { ProxiedRequest, SlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser } from 'playwright-core'

const MiB = 1024 * 1024
const FILE = randomFile(40 * MiB + 777)
/** A file is asked for in 32 MiB CARs (eight 4 MiB windows): the first edge's first CAR breaks inside it */
const SEGMENT = 32 * MiB

/** The byte range a CAR request asked for (`entity-bytes=from:to`). */
function entityFrom (request: ProxiedRequest): number | undefined {
  const match = /entity-bytes=(\d+)(?:%3A|:)/.exec(request.url)
  return match == null ? undefined : Number(match[1])
}

describe('an edge that fails while a 40 MiB file streams from it', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let first: Running<EdgeInfo>
  let second: Running<EdgeInfo>
  /** The second edge, over HTTP only, a second away, counting what it sends */
  let next: SlowEdgeProxy
  /** In front of the first edge, for failures a test can place */
  let failing: HostileEdge
  let throughFailing: Running<LauncherInfo>
  let direct: Running<LauncherInfo>
  let browser: Browser
  let path: string

  beforeAll(async () => {
    site = await makeSite({ 'film.bin': FILE })
    ;[first, second] = await Promise.all([spawnEdge(['--serve', site.dir]), spawnEdge(['--serve', site.dir])])
    // a second away: requests are hedged to the next edge when the first is slow to answer, and these tests
    // need the first edge to be the one streaming when it fails, however busy the machine is
    next = await startSlowEdgeProxy(second.info.http, 1000)
    failing = await startHostileEdge(first.info.http, { raw: 'honest', car: 'honest' })
    ;[throughFailing, direct] = await Promise.all([
      spawnLauncher(['--edge', failing.url, '--edge', next.url]),
      spawnLauncher(['--edge', first.info.http, '--edge', next.url])
    ])
    path = `/ipfs/${first.info.roots[site.dir]}/film.bin`
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await throughFailing?.stop()
    await direct?.stop()
    await failing?.stop()
    await next?.stop()
    await first?.stop()
    await second?.stop()
    await site?.remove()
  })

  /** What the second edge was asked for since `since` requests: its CARs' starting offsets, and the bytes it sent. */
  function fromNext (since: number): { cars: number[], bytes: number } {
    const requests = next.served().requests.slice(since)
    return {
      cars: requests.flatMap(request => request.url.includes('format=car') ? [entityFrom(request) ?? -1] : []),
      bytes: requests.reduce((n, request) => n + request.bytes, 0)
    }
  }

  for (const mode of ['drop', 'stall-midway'] as const) {
    it(`${mode === 'drop' ? 'drops the connection' : 'stalls'} 12 MiB into its CAR: the page gets exactly the file, the rest from the next edge`, async () => {
      failing.behave({ raw: 'honest', car: mode, afterBytes: 12 * MiB })
      const since = next.served().requests.length
      const page = await (await browser.newContext()).newPage()
      await openThroughServiceWorker(page, `${throughFailing.info.gateway}/`)
      const result = await readInPage(page, path)
      expect(result).toMatchObject({ status: 200, broken: false, length: FILE.byteLength, sha256: sha256(FILE) })
      expect(failing.hostile().car).toBeGreaterThan(0)
      const taken = fromNext(since)
      // the next edge's first CAR starts where the reader was inside the broken one: not from the start, not a new segment
      expect(taken.cars.length).toBeGreaterThan(0)
      expect(taken.cars[0]).toBeGreaterThan(0)
      expect(taken.cars[0]).toBeLessThan(SEGMENT)
      // the blocks the first edge sent before it failed were kept, not fetched again
      expect(taken.bytes).toBeLessThan(FILE.byteLength)
      await page.context().close()
    })
  }

  it('whose process is killed mid-stream: the page gets exactly the file, the rest from the next edge', async () => {
    const since = next.served().requests.length
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${direct.info.gateway}/`)
    let killed = false
    await page.exposeFunction('onBytes', async () => {
      first.process.kill('SIGKILL')
      await first.stop()
      killed = true
    })
    const result = await readInPage(page, path, { pauseAt: 4 * MiB })
    expect(killed).toBe(true)
    expect(result).toMatchObject({ status: 200, broken: false, length: FILE.byteLength, sha256: sha256(FILE) })
    const taken = fromNext(since)
    expect(taken.cars.length).toBeGreaterThan(0)
    // at least the 4 MiB the page had read came from the killed edge, and were not asked for again; the next
    // edge's CAR also carries the DAG nodes above its blocks (some 20 KiB for 40 MiB), and its framing
    expect(taken.cars[0]).toBeGreaterThanOrEqual(4 * MiB)
    expect(taken.bytes).toBeLessThan(FILE.byteLength - 4 * MiB + 64 * 1024)
    await page.context().close()
  })
})
