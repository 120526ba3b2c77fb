import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SHARED_ORIGIN_CONTENT_CSP } from '../../src/lib/content-sandbox.ts'
import { blockKey } from '../../src/node/local-store-schema.ts'
import { startAttackerServer } from '../support/attacker-server.ts'
import { launchBrowser } from '../support/browser.ts'
import { absentCid, makeSite } from '../support/content.ts'
import { hostileSiteFiles } from '../support/hostile-site.ts'
import { fetchInPage, openThroughServiceWorker } from '../support/page-helpers.ts'
import { spawnLauncher } from '../support/processes.ts'
import type { AttackerServer } from '../support/attacker-server.ts'
import type { TakeoverReport } from '../support/hostile-site.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { EdgesReport } from '../../src/lib/edge-status.ts'
import type { Browser, Page } from 'playwright-core'

/** Short, so the request for content nobody has (which the SW also asks its tab peer for) ends quickly in a 504 */
const TIMEOUT_MS = 4_000
/** How long the hostile page gets to run its attacks (or, with scripts off, to load its noscript image) */
const ATTACK_WAIT_MS = 15_000

const MODES = [
  { name: 'subdomain gateway (the default)', args: [] as string[], subdomains: true },
  { name: 'path gateway (--path-gateway)', args: ['--path-gateway'], subdomains: false }
]

/** An edge as edgeway.json and the SW name it (the launcher's line adds what the edge told about itself) */
function endpoint ({ peerId, multiaddrs, http, functions }: LauncherInfo['edges'][number]): LauncherInfo['edges'][number] {
  return { peerId, multiaddrs, http, functions }
}

/** The CID a file answer names in its Etag: a one-block file is that one block. */
function etagCid (headers: Record<string, string>): string {
  const match = /(baf[a-z2-7]+)/.exec(headers.etag ?? '')
  if (match == null) throw new Error(`no CID in the Etag: ${headers.etag}`)
  return match[1]
}

/**
 * Issue 12, findings 5 and 10a: a published site tries to take over the
 * gateway (its edges, its block store, its tab peer, its offline copies), in
 * both modes, against a real launcher in Chromium. The user has the gateway
 * page open and has viewed another site (the victim) before.
 */
describe.each(MODES)('a hostile site cannot take over the $name', (mode) => {
  let attacker: AttackerServer
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let gatewayPage: Page
  let hostilePage: Page
  let hostile: Awaited<ReturnType<typeof makeSite>>
  let victim: Awaited<ReturnType<typeof makeSite>>
  let victimRoot: string
  /** CIDs of what the user viewed: the victim's root and its files */
  const victimCids: string[] = []

  const attackerSaw = (prefix: string): Array<{ path: string, body: string }> => attacker.seen.filter(seen => seen.path.startsWith(prefix))
  /** Any request of the attacker's server that names something the user viewed */
  const victimRequests = (): string[] => attacker.seen.map(seen => seen.path).filter(path => victimCids.some(cid => path.includes(cid)))

  beforeAll(async () => {
    attacker = await startAttackerServer()
    hostile = await makeSite(hostileSiteFiles(attacker.url))
    victim = await makeSite({ 'index.html': '<h1>victim</h1>', 'secret.txt': 'what the user viewed', 'later.txt': 'what the user views next' })
    launcher = await spawnLauncher(['--serve', hostile.dir, '--serve', victim.dir, '--timeout-ms', String(TIMEOUT_MS), ...mode.args])
    victimRoot = launcher.info.roots[victim.dir]
    victimCids.push(victimRoot)
    browser = await launchBrowser()
    const context = await browser.newContext()
    gatewayPage = await context.newPage()
    hostilePage = await context.newPage()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await attacker?.stop()
    await hostile?.remove()
    await victim?.remove()
  })

  it('the user has the gateway page open and has viewed the victim\'s file', async () => {
    await openThroughServiceWorker(gatewayPage, `${launcher.info.gateway}/`)
    const secret = await fetchInPage(gatewayPage, `/ipfs/${victimRoot}/secret.txt`)
    expect(secret.status).toBe(200)
    expect(secret.text).toBe('what the user viewed')
    victimCids.push(etagCid(secret.headers))
  })

  it(mode.subdomains ? 'the hostile site runs on its own origin, not the gateway\'s' : 'the hostile site loads sandboxed: its script does not run', async () => {
    const hostileRoot = launcher.info.roots[hostile.dir]
    await openThroughServiceWorker(hostilePage, `${launcher.info.gateway}/ipfs/${hostileRoot}/`)
    expect(await hostilePage.locator('h1').textContent()).toBe('a hostile site')
    // it renders whole in either mode: its stylesheet and image came through the SW (the server has no content)
    expect(await hostilePage.locator('h1').evaluate(h1 => getComputedStyle(h1).color)).toBe('rgb(1, 2, 3)')
    await expect.poll(async () => hostilePage.locator('#pixel').evaluate(img => (img as HTMLImageElement).naturalWidth)).toBe(4)
    if (mode.subdomains) {
      expect(new URL(hostilePage.url()).origin).toBe(`http://${hostileRoot}.ipfs.localhost:${new URL(launcher.info.gateway).port}`)
      await hostilePage.locator('#report[data-done="true"]').waitFor({ timeout: ATTACK_WAIT_MS })
      const report = JSON.parse((await hostilePage.locator('#report').textContent())!) as TakeoverReport
      // it did all it tried, on an origin that is its own
      expect(report.origin).toBe(new URL(hostilePage.url()).origin)
      expect(report.edgeWritten).toBe(true)
      // the site owns its origin: no sandbox there
      expect((await fetchInPage(hostilePage, '/')).headers['content-security-policy']).toBeUndefined()
    } else {
      expect(new URL(hostilePage.url()).origin).toBe(launcher.info.gateway)
      await expect.poll(() => attackerSaw('/noscript').length, { timeout: ATTACK_WAIT_MS }).toBe(1)
      expect(await hostilePage.locator('#report').textContent()).toBe('not run')
      expect(attackerSaw('/report')).toEqual([])
      expect((await fetchInPage(hostilePage, `/ipfs/${hostileRoot}/`)).headers['content-security-policy']).toBe(SHARED_ORIGIN_CONTENT_CSP)
    }
  })

  it('read nothing of the gateway\'s block store', async () => {
    const victimKeys = victimCids.map(cid => blockKey(CID.parse(cid)))
    if (mode.subdomains) {
      await expect.poll(() => attackerSaw('/report').length, { timeout: ATTACK_WAIT_MS }).toBe(1)
    }
    for (const beacon of attackerSaw('/report')) {
      const report = JSON.parse(beacon.body) as TakeoverReport
      expect(report.blockKeys.filter(key => victimKeys.includes(key))).toEqual([])
      expect(report.origin).not.toBe(launcher.info.gateway)
    }
    // in subdomain mode the script ran (on its own origin) and reported; in path mode it never ran
    expect(attackerSaw('/report')).toHaveLength(mode.subdomains ? 1 : 0)
  })

  it('the gateway\'s SW still uses only the server\'s edges, and the attacker sees nothing the user views next', async () => {
    const report = await gatewayPage.evaluate(async () => (await (await fetch('/_edgeway/edges', { cache: 'no-store' })).json()) as EdgesReport)
    expect(report.source).toBe('server')
    expect(report.edges.map(status => status.edge)).toEqual(launcher.info.edges.map(endpoint))
    const later = await fetchInPage(gatewayPage, `/ipfs/${victimRoot}/later.txt`)
    expect(later.status).toBe(200)
    expect(later.text).toBe('what the user views next')
    victimCids.push(etagCid(later.headers))
    expect(victimRequests()).toEqual([])
  })

  it('is not the SW\'s tab peer: a block only peers could have is never asked of it', async () => {
    const absent = await absentCid()
    const answer = await fetchInPage(gatewayPage, `/ipfs/${absent}`)
    expect(answer.status).toBe(504)
    expect(attackerSaw('/want')).toEqual([])
  })

  it.runIf(mode.subdomains)('on an origin with no subdomains (an IP address, as on a dApp\'s origin) the same site loads sandboxed', async () => {
    const ipGateway = launcher.info.gateway.replace('//localhost:', '//127.0.0.1:')
    const page = await (await browser.newContext()).newPage()
    const noscriptBefore = attackerSaw('/noscript').length
    await openThroughServiceWorker(page, `${ipGateway}/ipfs/${launcher.info.roots[hostile.dir]}/`)
    expect(new URL(page.url()).origin).toBe(ipGateway)
    await expect.poll(() => attackerSaw('/noscript').length, { timeout: ATTACK_WAIT_MS }).toBe(noscriptBefore + 1)
    expect(await page.locator('#report').textContent()).toBe('not run')
    await page.context().close()
  })

  it('with the gateway server gone, the gateway page and edgeway.json the SW kept are the real ones', async () => {
    const { edges } = launcher.info
    expect(await launcher.stop()).toBe(0)
    const offline = await gatewayPage.evaluate(async () => {
      const config = await fetch('/edgeway.json')
      const page = await fetch('/')
      return { configStatus: config.status, config: await config.json() as { edges: unknown }, pageStatus: page.status, page: await page.text() }
    })
    expect(offline.configStatus).toBe(200)
    expect(offline.config.edges).toEqual(edges.map(endpoint))
    expect(offline.pageStatus).toBe(200)
    expect(offline.page).toContain('data-testid="cid-input"')
    expect(offline.page).not.toContain('pwned')
    // nothing the attacker was sent named what the user viewed
    expect(victimRequests()).toEqual([])
  })
})
