import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startLyingCarEdge, startStalledEdge } from './support/edge-health-servers.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { LyingCarEdge, StalledEdge } from './support/edge-health-servers.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { SlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

const KiB = 1024
/** Files both edges hold (five blocks each), and files only edge B holds */
const SHARED = Object.fromEntries([1, 2, 3, 4, 5, 6].map(n => [`shared-${n}.bin`, randomFile(1024 * KiB + n)]))
const ONLY_B = Object.fromEntries([1, 2].map(n => [`only-b-${n}.bin`, randomFile(300 * KiB + n)]))

interface EdgeRow { edge: string, state: string, latencyMs?: string, throughput?: string, configIndex: string, text: string }

/** The gateway page's `edge-list`, as a person reads it: rows in order, each with its state and numbers. */
async function edgeList (page: Page): Promise<{ source?: string, rows: EdgeRow[] }> {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('[data-testid="edge-list"]')
    const rows = [...(list?.querySelectorAll<HTMLElement>('li[data-edge]') ?? [])].map(li => ({
      edge: li.dataset.edge ?? '',
      state: li.dataset.state ?? '',
      latencyMs: li.dataset.latencyMs,
      throughput: li.dataset.throughput,
      configIndex: li.dataset.configIndex ?? '',
      text: li.textContent ?? ''
    }))
    return { source: list?.dataset.source, rows }
  })
}

async function stopServiceWorker (context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('ServiceWorker.enable')
  await cdp.send('ServiceWorker.stopAllWorkers')
  await cdp.detach()
}

async function swStartedAt (page: Page): Promise<number> {
  return JSON.parse((await fetchInPage(page, '/_edgeway/stats')).text).startedAt
}

describe('edges chosen by measurement', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let onlyB: Awaited<ReturnType<typeof makeSite>>
  let edgeA: Running<EdgeInfo>
  let edgeB: Running<EdgeInfo>
  /** Edge B through a relay that adds nothing but lists no WebSocket addresses: every block comes over HTTP */
  let fastB: SlowEdgeProxy
  /** Edge A, 1.5 s away */
  let slowA: SlowEdgeProxy
  let stalled: StalledEdge
  let liar: LyingCarEdge
  let browser: Browser
  const launchers: Array<Running<LauncherInfo>> = []
  let root: string

  const launch = async (...edges: string[]): Promise<string> => {
    const launcher = await spawnLauncher([...edges.flatMap(edge => ['--edge', edge]), '--timeout-ms', '10000'])
    launchers.push(launcher)
    return launcher.info.gateway
  }
  const fresh = async (gateway: string): Promise<{ context: BrowserContext, page: Page }> => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await openThroughServiceWorker(page, `${gateway}/`)
    return { context, page }
  }
  const expectFile = async (page: Page, name: string, bytes: Uint8Array, at = root): Promise<void> => {
    const result = await fetchInPage(page, `/ipfs/${at}/${name}`)
    expect(result.status, name).toBe(200)
    expect(result.sha256, name).toBe(sha256(bytes))
  }

  beforeAll(async () => {
    site = await makeSite(SHARED)
    onlyB = await makeSite(ONLY_B)
    ;[edgeA, edgeB] = await Promise.all([spawnEdge(['--serve', site.dir]), spawnEdge(['--serve', site.dir, '--serve', onlyB.dir])])
    root = edgeA.info.roots[site.dir]
    expect(edgeB.info.roots[site.dir]).toBe(root)
    fastB = await startSlowEdgeProxy(edgeB.info.http, 0)
    slowA = await startSlowEdgeProxy(edgeA.info.http, 1500)
    stalled = await startStalledEdge()
    liar = await startLyingCarEdge()
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all(launchers.map(async launcher => launcher.stop()))
    await Promise.all([fastB?.stop(), slowA?.stop(), stalled?.stop(), liar?.stop()])
    await Promise.all([edgeA?.stop(), edgeB?.stop()])
    await Promise.all([site?.remove(), onlyB?.remove()])
  })

  it('lists the fast edge first, with its latency and throughput, and the slow one as slow', async () => {
    // the slow edge is first in the server's list
    const gateway = await launch(slowA.url, fastB.url)
    const { context, page } = await fresh(gateway)
    for (const name of ['shared-1.bin', 'shared-2.bin', 'shared-3.bin']) {
      await expectFile(page, name, SHARED[name])
    }
    await expect.poll(async () => (await edgeList(page)).rows.map(row => [row.edge, row.state]), { timeout: 10_000 })
      .toEqual([[fastB.url, 'ok'], [slowA.url, 'slow']])
    const [fast, slow] = (await edgeList(page)).rows
    expect(Number(fast.latencyMs)).toBeGreaterThanOrEqual(0)
    expect(Number(fast.throughput)).toBeGreaterThan(0)
    expect(fast.text).toContain('ms to first byte')
    expect(Number(slow.latencyMs)).toBeGreaterThan(Number(fast.latencyMs))
    expect(slow.text).toContain('slow')
    expect(slow.configIndex).toBe('0')
    await context.close()
  })

  it('hedges to the next edge when the first one stalls: the right bytes, and the stalled request is abandoned', async () => {
    const gateway = await launch(stalled.url, fastB.url)
    const { context, page } = await fresh(gateway)
    // without hedging this waits on the stalled edge until the idle timeout: a 504
    await expectFile(page, 'shared-4.bin', SHARED['shared-4.bin'])
    expect(stalled.asked()).toBeGreaterThanOrEqual(1)
    await expect.poll(() => stalled.abandoned()).toBeGreaterThanOrEqual(1)
    await expect.poll(async () => (await edgeList(page)).rows.map(row => row.edge), { timeout: 10_000 }).toEqual([fastB.url, stalled.url])
    await context.close()
  })

  it('orders and hedges the SDK client\'s edges the same way', async () => {
    const gateway = await launch(stalled.url, fastB.url)
    const context = await browser.newContext()
    const page = await context.newPage()
    // a page of the gateway's origin, as a dApp using the SDK would be
    await page.goto(`${gateway}/edgeway.json`)
    await page.addScriptTag({ type: 'module', content: `import { createEdgeClient } from '${gateway}/sdk/edgeway.js'; window.createEdgeClient = createEdgeClient` })
    await page.waitForFunction(() => 'createEdgeClient' in window)
    const abandoned = stalled.abandoned()
    const result = await page.evaluate(async ({ edges, url }) => {
      const { createEdgeClient } = window as unknown as { createEdgeClient: (options: object) => { fetch(url: string): Promise<Response>, edges(): Array<{ key: string }>, stop(): Promise<void> } }
      const client = createEdgeClient({ edges, allowLocal: true, allowInsecure: true })
      const response: Response = await client.fetch(url)
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await response.arrayBuffer()))
      const order = client.edges().map(edge => edge.key)
      await client.stop()
      return { status: response.status, sha256: Array.from(digest, b => b.toString(16).padStart(2, '0')).join(''), order }
    }, { edges: [stalled.url, fastB.url], url: `ipfs://${root}/shared-2.bin` })
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(SHARED['shared-2.bin']))
    expect(result.order).toEqual([fastB.url, stalled.url])
    await expect.poll(() => stalled.abandoned()).toBeGreaterThan(abandoned)
    await context.close()
  })

  it('shows an edge that sent a forged block as demoted, still after the browser stopped the SW, and asks it no more', async () => {
    const gateway = await launch(liar.url, fastB.url)
    const { context, page } = await fresh(gateway)
    await expectFile(page, 'shared-5.bin', SHARED['shared-5.bin'])
    expect(liar.lies()).toBeGreaterThanOrEqual(1)
    const demoted = async (): Promise<string[][]> => (await edgeList(page)).rows.map(row => [row.edge, row.state])
    await expect.poll(demoted, { timeout: 10_000 }).toEqual([[fastB.url, 'ok'], [liar.url, 'demoted']])
    expect((await edgeList(page)).rows[1].text).toContain('demoted (lied)')

    const before = await swStartedAt(page)
    await stopServiceWorker(context, page)
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null)
    expect(await swStartedAt(page)).toBeGreaterThan(before)
    await expect.poll(demoted, { timeout: 10_000 }).toEqual([[fastB.url, 'ok'], [liar.url, 'demoted']])
    // the restarted SW read the demotion back: the liar is not asked for new content
    const lies = liar.lies()
    await expectFile(page, 'shared-6.bin', SHARED['shared-6.bin'])
    expect(liar.lies()).toBe(lies)
    await context.close()
  })

  it('uses the edges added, removed and reordered on the page, after a reload and after an SW stop', async () => {
    const gateway = await launch(edgeA.info.http)
    const { context, page } = await fresh(gateway)
    const shown = async (): Promise<{ source?: string, edges: string[] }> => {
      const list = await edgeList(page)
      return { source: list.source, edges: list.rows.map(row => row.edge) }
    }
    const row = (edge: string) => page.locator(`[data-testid="edge-config-list"] li[data-edge="${edge}"]`)
    await expect.poll(shown, { timeout: 10_000 }).toEqual({ source: 'server', edges: [edgeA.info.http] })

    await page.getByTestId('edge-add-input').fill(fastB.url)
    await page.getByTestId('edge-add-button').click()
    await row(fastB.url).waitFor()
    await row(edgeA.info.http).getByTestId('edge-remove').click()
    await row(edgeA.info.http).waitFor({ state: 'detached' })
    expect(await page.getByTestId('edge-config-source').textContent()).toContain('Your list')

    await page.reload()
    await expect.poll(shown, { timeout: 10_000 }).toEqual({ source: 'user', edges: [fastB.url] })
    // only edge B holds this: the SW fetches from the list the page stored
    await expectFile(page, 'only-b-1.bin', ONLY_B['only-b-1.bin'], edgeB.info.roots[onlyB.dir])

    await stopServiceWorker(context, page)
    await page.reload()
    await expect.poll(shown, { timeout: 10_000 }).toEqual({ source: 'user', edges: [fastB.url] })
    await expectFile(page, 'only-b-2.bin', ONLY_B['only-b-2.bin'], edgeB.info.roots[onlyB.dir])

    // A back, moved above B: with A not measured yet the configured order decides
    await page.getByTestId('edge-add-input').fill(edgeA.info.http)
    await page.getByTestId('edge-add-button').click()
    await row(edgeA.info.http).getByTestId('edge-up').click()
    await expect.poll(async () => page.locator('[data-testid="edge-config-list"] li').evaluateAll(items => items.map(li => (li as HTMLElement).dataset.edge)))
      .toEqual([edgeA.info.http, fastB.url])
    await stopServiceWorker(context, page)
    await page.reload()
    await expect.poll(async () => (await edgeList(page)).rows.map(r => [r.edge, r.configIndex]), { timeout: 10_000 })
      .toEqual([[edgeA.info.http, '0'], [fastB.url, '1']])

    // back to the server's list
    await page.getByTestId('edge-reset').click()
    // the page says the reset is stored before it is reloaded, as a user would see
    await expect.poll(async () => page.getByTestId('edge-config-source').getAttribute('data-source')).toBe('server')
    await page.reload()
    await expect.poll(shown, { timeout: 10_000 }).toEqual({ source: 'server', edges: [edgeA.info.http] })
    expect(await page.getByTestId('edge-config-source').textContent()).toContain('server')
    await context.close()
  })
})
