import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const DEMO_DIR = resolve(import.meta.dirname, '../demo')
const FILE_SIZE = 1024 * 1024
const PHONE = { width: 360, height: 780 }

describe('the gateway page as a live dashboard', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let site: Awaited<ReturnType<typeof makeSite>>
  const file = randomFile(FILE_SIZE)

  beforeAll(async () => {
    site = await makeSite({ 'data.bin': file })
    launcher = await spawnLauncher(['--serve', DEMO_DIR, '--serve', site.dir])
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await site?.remove()
  })

  /** A number the traffic chart plots, by source, as it says on itself. */
  const plotted = async (source: string): Promise<number> => Number(await page.getByTestId('traffic-chart').getAttribute(`data-${source}-bytes`))

  it('plots the bytes a fetch took from the edge, and one series per edge', async () => {
    // the chart plots what moved after its first reading of the SW's totals
    await expect.poll(async () => page.getByTestId('traffic-chart').getAttribute('data-since'), { timeout: 10_000 }).not.toBeNull()
    const fetched = await fetchInPage(page, `/ipfs/${launcher.info.roots[site.dir]}/data.bin`)
    expect(fetched.sha256).toBe(sha256(file))

    await expect.poll(async () => plotted('edge'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FILE_SIZE)
    expect(await plotted('peer')).toBe(0)
    const traffic = page.getByTestId('traffic-chart')
    expect(await traffic.evaluate(svg => svg.tagName)).toBe('svg')
    expect(await traffic.locator('path[data-series="edge"]').getAttribute('d')).toMatch(/^M [\d.]+ [\d.]+ L/)
    // the text alternative carries the figures
    expect(await traffic.getAttribute('aria-label')).toMatch(/edges 1\.0 MiB in all/)

    const edges = launcher.info.edges.map(edge => edge.http)
    const chart = page.getByTestId('edge-chart')
    await expect.poll(async () => chart.getAttribute('data-edges'), { timeout: 10_000 }).toBe(String(edges.length))
    for (const svg of await chart.locator('svg').all()) {
      expect(await svg.locator('path[data-series]').evaluateAll(paths => paths.map(path => path.getAttribute('data-series')))).toEqual(edges)
      expect(await svg.getAttribute('aria-label')).toContain(edges[0])
    }
    // the fetch measured the edge's time to first byte: its line is drawn
    await expect.poll(async () => chart.locator('svg').first().locator('path[data-series]').getAttribute('d'), { timeout: 10_000 }).toMatch(/^M /)
    expect(await chart.locator('svg').first().getAttribute('aria-label')).toMatch(/\d+ ms to first byte/)
  })

  it('at 360 px wide: no horizontal scroll, the budget\'s Set button whole on screen, the charts within the width', async () => {
    await page.setViewportSize(PHONE)
    // the charts redraw at the new width with the next reading
    await page.waitForTimeout(1_500)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)

    const button = page.getByTestId('cache-budget-button')
    await button.scrollIntoViewIfNeeded()
    const box = await button.boundingBox()
    expect(box).not.toBeNull()
    expect(box!.x).toBeGreaterThanOrEqual(0)
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width)
    // nothing covers it: a tap at its centre reaches it
    expect(await button.evaluate(element => {
      const { x, y, width, height } = element.getBoundingClientRect()
      return document.elementFromPoint(x + width / 2, y + height / 2) === element
    })).toBe(true)

    for (const id of ['traffic-chart', 'edge-chart']) {
      const chart = (await page.getByTestId(id).boundingBox())!
      expect(chart.x + chart.width, id).toBeLessThanOrEqual(PHONE.width)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
  })

  it('links to the demo site on its own origin, and the link opens it', async () => {
    const demoRoot = launcher.info.roots[DEMO_DIR]
    const link = page.getByTestId('demo-link')
    await expect.poll(async () => link.getAttribute('data-demo'), { timeout: 10_000 }).toBe('linked')
    expect(await link.isVisible()).toBe(true)
    const expected = `http://${demoRoot}.ipfs.localhost:${new URL(launcher.info.gateway).port}/`
    expect(await link.getAttribute('href')).toBe(expected)

    await link.click()
    const title = /<title>([^<]+)<\/title>/.exec(await readFile(resolve(DEMO_DIR, 'index.html'), 'utf8'))?.[1]
    await page.waitForURL(expected, { timeout: 60_000 })
    await page.waitForFunction(() => document.querySelector('[data-testid="bootstrap"]') == null && navigator.serviceWorker?.controller != null, null, { timeout: 60_000 })
    expect(await page.title()).toBe(title)
  })

  it('a gateway without the demo site shows no link to it', async () => {
    const plain = await spawnLauncher(['--serve', site.dir])
    try {
      const other = await browser.newPage()
      await openThroughServiceWorker(other, `${plain.info.gateway}/`)
      const link = other.getByTestId('demo-link')
      await expect.poll(async () => link.getAttribute('data-demo'), { timeout: 10_000 }).toBe('none')
      expect(await link.isHidden()).toBe(true)
      await other.close()
    } finally {
      await plain.stop()
    }
  })
})
