import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { copyBuild } from './support/deployment.ts'
import { forward } from './support/forward.ts'
import { fetchInPage } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { Deployment } from './support/deployment.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'

const FILE = randomFile(256 * 1024)

/** A page of the dApp that knows nothing of Edgeway but `registerGateway()` (`?takeOverUpdates=false` passes that) */
const DAPP_PAGE = `<!doctype html><title>a dApp</title><p>plain page</p>
<script type="module">
import { registerGateway } from '/sdk/edgeway.js'
const registration = await registerGateway({ takeOverUpdates: new URLSearchParams(location.search).get('takeOverUpdates') !== 'false' })
window.controllerChanges = 0
navigator.serviceWorker.addEventListener('controllerchange', () => { window.controllerChanges++ })
window.registration = registration
document.body.dataset.registered = 'yes'
</script>`

/**
 * A dApp's own origin that hosts the gateway's SW: `/dapp.html` is the
 * dApp's page, everything else (`/sw.js`, `/edgeway.json`, the SDK) is the
 * launcher's, as a dApp that deploys Edgeway's build next to its own files
 */
async function startDappOrigin (gateway: string): Promise<{ server: Server, url: string }> {
  const upstream = new URL(gateway)
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/dapp.html') === true) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(DAPP_PAGE)
      return
    }
    forward(upstream, req, res)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** The version of the SW that controls `page`, as it says itself */
async function controllingVersion (page: Page): Promise<string | undefined> {
  return page.evaluate(async () => {
    if (navigator.serviceWorker.controller == null) return undefined
    const response = await fetch('/_edgeway/version', { cache: 'no-store' })
    return response.ok ? ((await response.json()) as { version?: string }).version : undefined
  })
}

/**
 * A deployment on a dApp's origin while its page is open. The launcher
 * serves a copy of the build (EDGEWAY_DIST_DIR); deploying is rewriting that
 * copy's sw.js with another version constant (support/deployment.ts).
 * No step waits for a time: each waits for the state it needs.
 */
describe('registerGateway() on a dApp origin: a redeployed SW takes over the open page without a reload', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let dapp: Awaited<ReturnType<typeof startDappOrigin>>
  let deployed: Deployment
  let site: Awaited<ReturnType<typeof makeSite>>

  beforeAll(async () => {
    deployed = await copyBuild()
    site = await makeSite({ 'file.bin': FILE })
    launcher = await spawnLauncher(['--serve', site.dir, '--path-gateway'], { env: { EDGEWAY_DIST_DIR: deployed.dir } })
    dapp = await startDappOrigin(launcher.info.gateway)
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    dapp?.server.closeAllConnections()
    dapp?.server.close()
    await launcher?.stop()
    await site?.remove()
    await deployed?.remove()
  })

  it('the new version installs, activates and controls the page; content is still answered, verified', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${dapp.url}/dapp.html`)
    await page.waitForSelector('body[data-registered="yes"]', { timeout: 60_000 })
    await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 })
    const old = await controllingVersion(page)
    expect(old).toMatch(/\w+/)

    const next = await deployed.next(old!)

    // what a navigation (or the browser's own hourly check) does: fetch sw.js again and install what changed
    await page.evaluate(async () => { await (window as unknown as { registration: ServiceWorkerRegistration }).registration.update() })
    // the same page, not a reload: the controller changes under it, and the new version answers
    await expect.poll(async () => page.evaluate(() => (window as unknown as { controllerChanges: number }).controllerChanges), { timeout: 30_000 }).toBeGreaterThanOrEqual(1)
    await expect.poll(async () => controllingVersion(page), { timeout: 30_000 }).toBe(next)
    expect(await page.evaluate(() => document.body.dataset.registered)).toBe('yes')
    await expect.poll(async () => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull()

    const read = await fetchInPage(page, `/ipfs/${launcher.info.roots[site.dir]}/file.bin`)
    expect(read.status).toBe(200)
    expect(read.sha256).toBe(sha256(FILE))
    await page.context().close()
  })

  it('with takeOverUpdates: false, the new version installs and waits; the old one keeps the page', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${dapp.url}/dapp.html?takeOverUpdates=false`)
    await page.waitForSelector('body[data-registered="yes"]', { timeout: 60_000 })
    await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 })
    const old = await controllingVersion(page)
    expect(old).toMatch(/\w+/)
    await deployed.next(old!)

    await page.evaluate(async () => { await (window as unknown as { registration: ServiceWorkerRegistration }).registration.update() })
    // installed, and nothing tells it to move in: it waits, whatever the time
    await expect.poll(async () => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? null), { timeout: 30_000 }).toBe('installed')
    expect(await controllingVersion(page)).toBe(old)
    expect(await page.evaluate(() => (window as unknown as { controllerChanges: number }).controllerChanges)).toBe(0)
    await page.context().close()
  })
})
