import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { GatewayStats } from '../src/lib/types.ts'
import type { Browser, Page } from 'playwright-core'

const FILE_SIZE = 2 * 1024 * 1024 + 3
/** A file's blocks are its bytes plus its DAG nodes: a few hundred bytes for this one */
const DAG_OVERHEAD = 64 * 1024

describe('bytes by source on the gateway page', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  const file = randomFile(FILE_SIZE)

  beforeAll(async () => {
    site = await makeSite({ 'data.bin': file })
    launcher = await spawnLauncher(['--serve', site.dir])
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await site?.remove()
  })

  /** The panel's number for `source` (`edge`, `cache`, `peer`, `served`), as the page shows it. */
  const shown = async (source: string, unit: 'Bytes' | 'Blocks' = 'Bytes'): Promise<number> =>
    Number(await page.getByTestId('bytes-by-source').getAttribute(`data-${source}-${unit.toLowerCase()}`))

  it('counts the bytes a fetch took from the edge, then from the cache', async () => {
    await page.goto(`${launcher.info.gateway}/`)
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null)
    await expect.poll(async () => shown('edge'), { timeout: 10_000 }).toBe(0)
    expect(await shown('served')).toBe(0)
    const url = `/ipfs/${launcher.info.roots[site.dir]}/data.bin`

    const cold = await fetchInPage(page, url)
    expect(cold.sha256).toBe(sha256(file))
    // at the first byte: some of the file's bytes, all from the edge
    expect(parseSourceHeader(cold.headers['x-edgeway-bytes'] ?? null)).toMatchObject({ cache: 0, peer: 0 })
    expect(parseSourceHeader(cold.headers['x-edgeway-bytes'] ?? null)?.edge).toBeGreaterThan(0)
    await expect.poll(async () => shown('edge'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FILE_SIZE)
    expect(await shown('edge')).toBeLessThan(FILE_SIZE + DAG_OVERHEAD)
    expect(await shown('edge', 'Blocks')).toBeGreaterThan(1)
    expect(await page.getByTestId('bytes-by-source').textContent()).toMatch(/edges\s*2\.0 MiB/)

    const warm = await fetchInPage(page, url)
    expect(warm.sha256).toBe(sha256(file))
    await expect.poll(async () => shown('cache'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FILE_SIZE)
    expect(await shown('cache')).toBeLessThan(FILE_SIZE + DAG_OVERHEAD)
    expect(await shown('peer')).toBe(0)
    expect(await shown('served')).toBe(0)

    // the SW's own totals say the same
    const stats = await page.evaluate(async () => (await fetch('/_edgeway/stats')).json() as Promise<GatewayStats>)
    expect(stats.bytes.edge).toBe(await shown('edge'))
    expect(stats.bytes.cache).toBe(await shown('cache'))
  })
})
