import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../support/browser.ts'
import { makeSite } from '../support/content.ts'
import { freePort } from '../support/free-port.ts'
import { openThroughServiceWorker } from '../support/page-helpers.ts'
import { spawnLauncher } from '../support/processes.ts'
import type { LauncherInfo, Running } from '../support/processes.ts'
import type { Browser, Page } from 'playwright-core'


/**
 * Finding 7 of issue 12: a site's `_redirects` could send a visitor to any
 * origin (`/go/* /:splat 302` with the path `/go//127.0.0.1:47001/x` gave
 * `Location: //127.0.0.1:47001/x`, which the browser followed). A site on its
 * own origin (`<cid>.ipfs.localhost`) whose rules try every way off it; the
 * "other origin" is the gateway page's, `http://localhost:P`, which a browser
 * would load if it were sent there.
 */
describe('attack: _redirects that lead off the site', () => {
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page
  let port: number
  let site: Awaited<ReturnType<typeof makeSite>>
  let origin: string

  beforeAll(async () => {
    port = await freePort()
    site = await makeSite({
      'index.html': '<h1>the site</h1>',
      _redirects: [
        '/go/* /:splat 302',
        `/proto //localhost:${port}/ 302`,
        `/backslash /\\localhost:${port}/ 302`,
        `/scheme http://localhost:${port}/ 301`,
        '/home /index.html 302'
      ].join('\n')
    })
    launcher = await spawnLauncher(['--serve', site.dir, '--port', String(port)])
    origin = `http://${launcher.info.roots[site.dir]}.ipfs.localhost:${port}`
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${origin}/`)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await site?.remove()
  })

  /** Navigates as a visitor following a link would; where the browser ends up, and what it shows */
  async function visit (path: string): Promise<{ origin: string, status: number | undefined, error: string | null }> {
    const response = await page.goto(`${origin}${path}`)
    return {
      origin: new URL(page.url()).origin,
      status: response?.status(),
      error: await page.locator('[data-testid="error"]').getAttribute('data-error', { timeout: 1_000 }).catch(() => null)
    }
  }

  it('a placeholder that fills in another host (finding 7) is a 500 naming the rule, on the site', async () => {
    expect(await visit(`/go//localhost:${port}/`)).toEqual({ origin, status: 500, error: 'UnsafeRedirectError' })
    expect(await page.locator('[data-testid="error"]').textContent()).toContain('_redirects line 1')
  })

  it('a backslash filled in by a placeholder stays a character of a path on the site', async () => {
    for (const path of [`/go/%5Clocalhost:${port}/`, `/go/%5C%5Clocalhost:${port}/`, `/go/\\localhost:${port}/`]) {
      expect((await visit(path)).origin, path).toBe(origin)
    }
  })

  it('a rule whose target is another origin (//host, /\\host, a scheme) is a 500 naming it, on the site', async () => {
    for (const [path, line] of [['/proto', 2], ['/backslash', 3], ['/scheme', 4]] as const) {
      expect(await visit(path), path).toEqual({ origin, status: 500, error: 'UnsafeRedirectError' })
      expect(await page.locator('[data-testid="error"]').textContent()).toContain(`_redirects line ${line}`)
    }
  })

  it('an ordinary rule still redirects on the site', async () => {
    expect(await visit('/home')).toMatchObject({ origin, status: 200 })
    expect(page.url()).toBe(`${origin}/index.html`)
    expect(await page.locator('h1').textContent()).toBe('the site')
  })
})
