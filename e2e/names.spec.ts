import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser } from 'playwright-core'

const DOMAIN = 'docs.example'

/**
 * DNSLink end to end: the edge serves a DNSLink table over DNS-over-HTTPS,
 * the gateway is configured with it, and the browser resolves
 * `/ipns/<domain>/` (and `<domain-inlined>.ipns.localhost`) to content it
 * then verifies. (IPNS keys with signed records are covered by the
 * conformance corpus' ipns cases.)
 */
describe('/ipns/ names through DNSLink', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let site: Awaited<ReturnType<typeof makeSite>>
  let root: string

  beforeAll(async () => {
    site = await makeSite({
      'index.html': '<title>docs</title><h1>docs by name</h1><a href="guide.html">guide</a>',
      'guide.html': '<h1>the guide</h1>'
    })
    // importing is deterministic: learn the root's CID first, then name it in the DNSLink table
    const probe = await spawnEdge(['--serve', site.dir])
    root = probe.info.roots[site.dir]
    await probe.stop()
    launcher = await spawnLauncher(['--serve', site.dir, '--dnslink', `${DOMAIN}=/ipfs/${root}`])
    expect(launcher.info.roots[site.dir]).toBe(root)
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await site?.remove()
  })

  it('opens a DNSLink site by its domain on the name\'s own origin, as a mutable answer that is never cached as immutable', async () => {
    const siteOrigin = `http://docs-example.ipns.localhost:${new URL(launcher.info.gateway).port}`
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/ipns/${DOMAIN}/`)
    expect(page.url()).toBe(`${siteOrigin}/`)
    expect(await page.locator('h1').textContent()).toBe('docs by name')

    const index = await fetchInPage(page, '/')
    expect(index.status).toBe(200)
    expect(index.headers['x-ipfs-path']).toBe(`/ipns/${DOMAIN}/`)
    expect(index.headers['cache-control']).toMatch(/^public, max-age=\d+$/)
    expect(index.headers['cache-control']).not.toContain('immutable')
    expect(index.headers.etag).toBeTruthy()

    // relative links stay under the name
    await page.click('a')
    await page.waitForURL(`${siteOrigin}/guide.html`)
    expect(await page.locator('h1').textContent()).toBe('the guide')
    await page.context().close()
  })

  it('serves the same site on its own origin, the domain inlined into one label', async () => {
    const port = new URL(launcher.info.gateway).port
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `http://docs-example.ipns.localhost:${port}/`)
    expect(await page.locator('h1').textContent()).toBe('docs by name')
    const guide = await fetchInPage(page, '/guide.html')
    expect(guide.status).toBe(200)
    expect(guide.text).toContain('the guide')
    await page.context().close()
  })

  it('answers a domain with no DNSLink record with a readable 404 page that says the name did not resolve, JSON when asked', async () => {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    const missing = await fetchInPage(page, '/ipns/nothing.example/', { headers: { Accept: 'application/json' } })
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.text)).toMatchObject({ status: 404, error: 'NameNotFoundError', message: expect.stringContaining('_dnslink.nothing.example') })
    // a page load moves to the name's own origin, where its SW answers the same error
    await openThroughServiceWorker(page, `${launcher.info.gateway}/ipns/nothing.example/`)
    expect(new URL(page.url()).host).toBe(`nothing-example.ipns.localhost:${new URL(launcher.info.gateway).port}`)
    const error = page.getByTestId('error')
    expect(await error.getAttribute('data-status')).toBe('404')
    expect(await error.textContent()).toContain('The DNSLink name nothing.example did not resolve')
    expect(await error.textContent()).not.toContain('did not match their hash')
    await page.context().close()
  })
})
