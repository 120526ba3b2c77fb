import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { randomFile, sha256 } from './support/content.ts'
import { fetchInPage, swEdgeBytes, swStartedAt } from './support/page-helpers.ts'
import { startSiteGateway } from './support/site-gateway.ts'
import type { SiteGateway } from './support/site-gateway.ts'
import type { BrowserContext, Page } from 'playwright-core'

const MiB = 1024 * 1024
const BIG_SIZE = 16 * MiB
const SMALL_SIZE = 1536 * 1024
const BUDGET_MIB = 2

describe('the browser stops the service worker: the next request is answered, settings are kept', () => {
  let gateway: SiteGateway
  let context: BrowserContext
  let page: Page
  let root: string
  const big = randomFile(BIG_SIZE)
  const small = Array.from({ length: 4 }, () => randomFile(SMALL_SIZE))

  beforeAll(async () => {
    gateway = await startSiteGateway({ 'big.bin': big, ...Object.fromEntries(small.map((bytes, i) => [`s${i}.bin`, bytes])) }, { launcherArgs: ['--timeout-ms', '5000'] })
    ;({ context, page, root } = gateway)
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active')
  })

  afterAll(async () => {
    await gateway?.stop()
  })

  /** What a browser does to an idle (or busy) SW at will, here on purpose. */
  const stopServiceWorker = async (): Promise<void> => {
    const cdp = await context.newCDPSession(page)
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    await cdp.detach()
  }

  it('between requests: a new SW answers the next request, and what the old one stored is still there', async () => {
    const first = await fetchInPage(page, `/ipfs/${root}/s0.bin`)
    expect(first.sha256).toBe(sha256(small[0]))
    const before = await swStartedAt(page)

    await stopServiceWorker()
    const next = await fetchInPage(page, `/ipfs/${root}/s1.bin`)
    expect(await swStartedAt(page)).toBeGreaterThan(before)
    expect(next.status).toBe(200)
    expect(next.sha256).toBe(sha256(small[1]))
    const again = await fetchInPage(page, `/ipfs/${root}/s0.bin`)
    expect(again.sha256).toBe(sha256(small[0]))
    expect(parseSourceHeader(again.headers['x-edgeway-source'] ?? null)).toMatchObject({ edge: 0 })
  })

  it('in the middle of a 16 MiB stream: the stream ends, and the same file read again is whole and right', async () => {
    const before = await swStartedAt(page)
    const firstBytes = await page.evaluate(async (url) => {
      const reader = (await fetch(url)).body!.getReader()
      let read = 0
      while (read < 2 * 1024 * 1024) {
        const { done, value } = await reader.read()
        if (done) break
        read += value.byteLength
      }
      // the rest is read after the SW is stopped
      ;(window as unknown as { rest: Promise<string> }).rest = (async () => {
        try {
          for (let r = await reader.read(); r.done !== true; r = await reader.read()) read += r.value.byteLength
          return `complete at ${read}`
        } catch (err) {
          return `failed at ${read}: ${String(err)}`
        }
      })()
      return read
    }, `/ipfs/${root}/big.bin`)
    expect(firstBytes).toBeGreaterThanOrEqual(2 * MiB)

    await stopServiceWorker()
    const rest = await page.evaluate(async () => (window as unknown as { rest: Promise<string> }).rest)
    process.stderr.write(`sw-restart: the stream the stopped SW was sending: ${rest}\n`)
    // a browser that kills the SW mid-response ends the body with an error; it never hands out a silently short file
    expect(rest === `complete at ${BIG_SIZE}` || rest.startsWith('failed at')).toBe(true)

    const whole = await fetchInPage(page, `/ipfs/${root}/big.bin`)
    expect(await swStartedAt(page)).toBeGreaterThan(before)
    expect(whole.status).toBe(200)
    expect(whole.length).toBe(BIG_SIZE)
    expect(whole.sha256).toBe(sha256(big))
  })

  it('keeps the cache budget and peer serving set on the page, and the new SW evicts by that budget', async () => {
    await page.getByTestId('cache-budget-input').fill(String(BUDGET_MIB))
    await page.getByTestId('cache-budget-button').click()
    const budgetShown = async (): Promise<number> => Number(await page.getByTestId('cache-usage').getAttribute('data-budget-bytes'))
    await expect.poll(budgetShown, { timeout: 10_000 }).toBe(BUDGET_MIB * MiB)
    const toggle = page.getByTestId('peer-serving-toggle')
    // the switch shows the remembered choice once the peer panel (loaded as a chunk of its own) enables it
    const panelLoaded = async (): Promise<void> => { await expect.poll(async () => toggle.isEnabled(), { timeout: 10_000 }).toBe(true) }
    await panelLoaded()
    if (await toggle.isChecked()) await toggle.click()
    expect(await toggle.isChecked()).toBe(false)

    const before = await swStartedAt(page)
    await stopServiceWorker()
    await page.reload()
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active')
    await panelLoaded()
    expect(await page.getByTestId('peer-serving-toggle').isChecked()).toBe(false)
    await expect.poll(budgetShown, { timeout: 10_000 }).toBe(BUDGET_MIB * MiB)

    // the restarted SW reads 3 MiB, past the budget, and evicts down to it
    for (const i of [2, 3]) {
      const result = await fetchInPage(page, `/ipfs/${root}/s${i}.bin`)
      expect(result.sha256).toBe(sha256(small[i]))
    }
    expect(await swStartedAt(page)).toBeGreaterThan(before)
    // once the last file is kept whole (read again, nothing from the edge), the cache is within the budget
    await expect.poll(async () => {
      const before = await swEdgeBytes(page)
      expect((await fetchInPage(page, `/ipfs/${root}/s3.bin`)).sha256).toBe(sha256(small[3]))
      return await swEdgeBytes(page) - before
    }, { timeout: 20_000 }).toBe(0)
    // a fresh look at the store, not the panel's last one
    await page.reload()
    const cached = async (): Promise<number> => Number(await page.getByTestId('cache-usage').getAttribute('data-cached-bytes'))
    await expect.poll(cached, { timeout: 20_000 }).toBeLessThanOrEqual(BUDGET_MIB * MiB)
  })
})

