import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { copyBuild } from './support/deployment.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { Deployment } from './support/deployment.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const FILE = randomFile(512 * 1024)

/** What the origin of `page` holds: SW registrations, Cache Storage names, IndexedDB names */
async function originStores (page: Page): Promise<{ registrations: number, caches: string[], databases: string[] }> {
  return page.evaluate(async () => ({
    registrations: (await navigator.serviceWorker.getRegistrations()).length,
    caches: (await caches.keys()).sort(),
    databases: (await indexedDB.databases()).map(db => db.name ?? '').sort()
  }))
}

async function swVersion (page: Page): Promise<string | undefined> {
  return (await page.getByTestId('sw-version').getAttribute('data-version')) ?? undefined
}

/**
 * A deployment while a page is open, then a reset. The launcher serves a
 * copy of the build (EDGEWAY_DIST_DIR); deploying a new version is
 * rewriting that copy's sw.js with another version constant, as a new
 * build with a changed page would. The gateway runs path-mode, so the
 * content read lands in the gateway origin's own block store.
 */
describe('a new version reaches an open page; a reset leaves this origin as if Edgeway had never run', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let deployed: Deployment
  let root: string
  let site: Awaited<ReturnType<typeof makeSite>>

  beforeAll(async () => {
    deployed = await copyBuild()
    site = await makeSite({ 'file.bin': FILE })
    launcher = await spawnLauncher(['--serve', site.dir, '--path-gateway'], { env: { EDGEWAY_DIST_DIR: deployed.dir } })
    root = launcher.info.roots[site.dir]
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    await page.waitForSelector('[data-testid="sw-version"][data-version]', { timeout: 30_000 })
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await site?.remove()
    await deployed?.remove()
  })

  it('update: the page offers a reload, the reload brings the new version, and the old version\'s cache is gone', async () => {
    const old = (await swVersion(page))!
    await expect.poll(async () => (await originStores(page)).caches, { timeout: 30_000 }).toContain(`edgeway-page-${old}`)
    const next = await deployed.next(old)

    expect(await page.getByTestId('update-banner').isVisible()).toBe(false)
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update() })
    await page.getByTestId('update-banner').waitFor({ state: 'visible', timeout: 30_000 })
    expect(await page.getByTestId('update-banner').textContent()).toContain('A new version of Edgeway is ready')
    // until the reload, the old version keeps answering this page
    expect(await swVersion(page)).toBe(old)

    await Promise.all([page.waitForEvent('load', { timeout: 30_000 }), page.getByTestId('update-reload').click()])
    await expect.poll(async () => swVersion(page), { timeout: 30_000 }).toBe(next)
    await expect.poll(async () => (await originStores(page)).caches, { timeout: 30_000 }).toContain(`edgeway-page-${next}`)
    expect((await originStores(page)).caches).not.toContain(`edgeway-page-${old}`)
    expect(await page.getByTestId('update-banner').isVisible()).toBe(false)
  })

  it('reset: after a confirmation, no service worker, no caches, no databases; the server answers, and a fresh load installs again', async () => {
    const read = await fetchInPage(page, `/ipfs/${root}/file.bin`)
    expect(read.sha256).toBe(sha256(FILE))
    // the same server under another name is another origin, with its own SW and stores: the reset leaves them
    const other = await page.context().newPage()
    await openThroughServiceWorker(other, launcher.info.gateway.replace('//localhost:', '//127.0.0.1:') + '/')
    expect((await fetchInPage(other, `/ipfs/${root}/file.bin`)).sha256).toBe(sha256(FILE))
    const otherBefore = await originStores(other)
    expect(otherBefore.databases).toContain('edgeway-blocks')

    const before = await originStores(page)
    expect(before.registrations).toBe(1)
    expect(before.databases).toContain('edgeway-blocks')
    expect(before.caches.length).toBeGreaterThan(0)

    await page.getByTestId('reset-button').click()
    // nothing is deleted until the user confirms in the page; cancelling leaves everything
    await page.getByTestId('reset-confirm').waitFor({ state: 'visible' })
    await page.getByTestId('reset-cancel').click()
    expect(await page.getByTestId('reset-confirm').isVisible()).toBe(false)
    expect((await originStores(page)).registrations).toBe(1)

    await page.getByTestId('reset-button').click()
    await page.getByTestId('reset-confirm-button').click()
    await page.waitForSelector('[data-testid="reset-status"][data-state="done"]', { timeout: 30_000 })
    expect(await page.getByTestId('reset-status').textContent()).toContain('Reset done')
    expect(await originStores(page)).toEqual({ registrations: 0, caches: [], databases: [] })
    // no SW answers any more: the SW's own endpoints are the server's 404, content is the server's bootstrap page
    expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull()
    expect((await fetchInPage(page, '/_edgeway/stats')).status).toBe(404)
    expect((await fetchInPage(page, `/ipfs/${root}/file.bin`)).text).toContain('bootstrap')
    const otherAfter = await originStores(other)
    expect(otherAfter.registrations).toBe(1)
    expect(otherAfter.databases).toEqual(expect.arrayContaining(otherBefore.databases))
    expect(otherAfter.caches).toEqual(expect.arrayContaining(otherBefore.caches))
    await other.close()

    await page.reload()
    await page.waitForFunction(() => document.querySelector('[data-testid="sw-status"]')?.textContent === 'active', null, { timeout: 60_000 })
    expect((await originStores(page)).registrations).toBe(1)
  })
})
