import { afterAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite } from './support/content.ts'
import { openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'

describe('restarting npm start with other edges', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('an open browser picks up the new edges on its next page load', async () => {
    const first = await makeSite({ 'index.html': '<h1>first</h1>' })
    const second = await makeSite({ 'index.html': '<h1>second</h1>' })
    cleanups.push(first.remove, second.remove)

    // path mode: both sites load on the gateway's origin, so the second page load meets the SW that
    // started with the first edges (in subdomain mode each site's origin starts its own SW)
    const before = await spawnLauncher(['--serve', first.dir, '--path-gateway'])
    const port = new URL(before.info.gateway).port
    const browser = await launchBrowser()
    cleanups.push(async () => browser.close())
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${before.info.gateway}/ipfs/${before.info.roots[first.dir]}/`)
    await expect.poll(async () => page.locator('h1').textContent()).toBe('first')
    expect(await before.stop()).toBe(0)

    // same gateway URL, a new edge on new ports: the SW still runs with the old edges
    const after = await spawnLauncher(['--serve', second.dir, '--port', port, '--path-gateway'])
    cleanups.push(async () => after.stop())
    expect(after.info.gateway).toBe(before.info.gateway)
    const response = await page.goto(`${after.info.gateway}/ipfs/${after.info.roots[second.dir]}/`)
    expect(response?.status()).toBe(200)
    expect(await page.locator('h1').textContent()).toBe('second')
  })
})
