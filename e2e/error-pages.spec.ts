import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const TEXT = 'a line of text\n'

/**
 * What a person meets off the happy path, in both gateway modes: a CID
 * written in another base or case opens the same content under its one
 * canonical URL, and a path the gateway does not have is the same readable
 * error page (JSON when asked) as a content error, with a way back.
 */
describe('addresses in any form, and error pages for every path', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let subdomains: Running<LauncherInfo>
  let paths: Running<LauncherInfo>
  let browser: Browser
  let root: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': '<h1>the site</h1>', 'small.txt': TEXT })
    ;[subdomains, paths] = await Promise.all([spawnLauncher(['--serve', site.dir]), spawnLauncher(['--serve', site.dir, '--path-gateway'])])
    root = subdomains.info.roots[site.dir]
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    expect(await subdomains?.stop()).toBe(0)
    expect(await paths?.stop()).toBe(0)
    await site?.remove()
  })

  const newPage = async (): Promise<Page> => (await browser.newContext()).newPage()

  it('subdomain mode: an upper-case CIDv1 opens on its root\'s base32 origin, from the server and from the SW', async () => {
    const port = new URL(subdomains.info.gateway).port
    const page = await newPage()
    // no SW yet: the server moves it
    await openThroughServiceWorker(page, `${subdomains.info.gateway}/ipfs/${root.toUpperCase()}/small.txt`)
    expect(page.url()).toBe(`http://${root}.ipfs.localhost:${port}/small.txt`)
    expect(await page.locator('body').textContent()).toBe(TEXT)
    // the gateway's SW moves it as well, the CID in base58btc this time
    await openThroughServiceWorker(page, `${subdomains.info.gateway}/`)
    const response = await page.goto(`${subdomains.info.gateway}/ipfs/${CID.parse(root).toString(base58btc)}/small.txt`)
    expect(response?.status()).toBe(200)
    expect(page.url()).toBe(`http://${root}.ipfs.localhost:${port}/small.txt`)
    await page.context().close()
  })

  it('path mode: a CIDv1 in another base or case moves to its base32 path, and answers the same bytes', async () => {
    const page = await newPage()
    await openThroughServiceWorker(page, `${paths.info.gateway}/`)
    for (const written of [root.toUpperCase(), CID.parse(root).toString(base36)]) {
      const response = await page.goto(`${paths.info.gateway}/ipfs/${written}/small.txt?x=1`)
      expect(response?.status(), written).toBe(200)
      expect(page.url(), written).toBe(`${paths.info.gateway}/ipfs/${root}/small.txt?x=1`)
      expect(await page.locator('body').textContent(), written).toBe(TEXT)
    }
    const fetched = await fetchInPage(page, `/ipfs/${root.toUpperCase()}/small.txt`)
    expect(fetched.status).toBe(200)
    expect(fetched.text).toBe(TEXT)
    expect(fetched.headers['x-ipfs-path']).toBe(`/ipfs/${root}/small.txt`)
    await page.context().close()
  })

  for (const mode of ['subdomain', 'path'] as const) {
    it(`${mode} mode: a path that is not content gets the readable 404 page with a link back, JSON when asked`, async () => {
      const gateway = (mode === 'subdomain' ? subdomains : paths).info.gateway
      const page = await newPage()
      await openThroughServiceWorker(page, `${gateway}/`)
      for (const path of ['/nothing-here', '/foo/bar']) {
        const response = await page.goto(`${gateway}${path}`)
        expect(response?.status(), path).toBe(404)
        const error = page.getByTestId('error')
        expect(await error.getAttribute('data-status'), path).toBe('404')
        expect(await error.textContent(), path).toContain(`Nothing is at ${path} on this gateway`)
        expect(await error.textContent(), path).toContain('The gateway has no page at this address')
        expect(await error.getByRole('link', { name: 'Edgeway gateway' }).getAttribute('href'), path).toBe('/')
      }
      const json = await fetchInPage(page, '/nothing-here', { headers: { Accept: 'application/json' } })
      expect(json.status).toBe(404)
      expect(JSON.parse(json.text)).toMatchObject({ status: 404, error: 'UnknownPathError' })
      await page.context().close()
    })
  }

  it('subdomain mode: on a root\'s own origin, a content error page links back to the gateway\'s origin', async () => {
    const page = await newPage()
    await openThroughServiceWorker(page, `${subdomains.info.gateway}/ipfs/${root}/`)
    const response = await page.goto(`http://${root}.ipfs.localhost:${new URL(subdomains.info.gateway).port}/missing.html`)
    expect(response?.status()).toBe(404)
    expect(await page.getByTestId('error').getByRole('link', { name: 'Edgeway gateway' }).getAttribute('href')).toBe(`${subdomains.info.gateway}/`)
    await page.context().close()
  })

  it('a dApp on another origin reads /edgeway.json', async () => {
    const page = await newPage()
    // the embedded edge's own HTTP origin stands in for a dApp's
    const edge = subdomains.info.edges.find(endpoint => endpoint.http != null)?.http
    expect(edge).toBeDefined()
    await page.goto(`${edge}/info`)
    const config = await page.evaluate(async url => {
      const response = await fetch(url)
      // a response the server does not allow this origin to read is a TypeError here (CORS)
      return { status: response.status, config: await response.json() as { edges: unknown[] } }
    }, `${subdomains.info.gateway}/edgeway.json`)
    expect(config.status).toBe(200)
    expect(config.config.edges.length).toBeGreaterThan(0)
    await page.context().close()
  })
})
