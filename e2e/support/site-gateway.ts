import { launchBrowser } from './browser.ts'
import { makeSite } from './content.ts'
import { openThroughServiceWorker } from './page-helpers.ts'
import { spawnLauncher } from './processes.ts'
import type { LauncherInfo, Running } from './processes.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export interface SiteGateway {
  launcher: Running<LauncherInfo>
  browser: Browser
  context: BrowserContext
  /** A page on the gateway page, controlled by the SW */
  page: Page
  /** The site's root CID, as the edge serves it */
  root: string
  /** Closes the browser, stops the launcher (its exit code) and deletes the site */
  stop(): Promise<number | null>
}

export interface SiteGatewayOptions {
  /** `npm start` flags beyond `--serve <the site>` */
  launcherArgs?: string[]
  /** Runs on a page of the gateway's origin before the SW is installed (the page is on `/edgeway.json`) */
  beforeServiceWorker?(page: Page, gateway: string): Promise<void>
}

/**
 * The usual set-up of a spec: a folder of files served by the launcher's
 * embedded edge, one Chromium, and a page on the gateway whose SW is
 * installed and running.
 */
export async function startSiteGateway (files: Record<string, Uint8Array | string>, { launcherArgs = [], beforeServiceWorker }: SiteGatewayOptions = {}): Promise<SiteGateway> {
  const site = await makeSite(files)
  const launcher = await spawnLauncher(['--serve', site.dir, ...launcherArgs]).catch(async (err: unknown) => {
    await site.remove()
    throw err
  })
  let browser: Browser | undefined
  try {
    browser = await launchBrowser()
    const context = await browser.newContext()
    const page = await context.newPage()
    if (beforeServiceWorker != null) {
      await page.goto(`${launcher.info.gateway}/edgeway.json`)
      await beforeServiceWorker(page, launcher.info.gateway)
    }
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    return running(site, launcher, browser, context, page)
  } catch (err) {
    await browser?.close()
    await launcher.stop()
    await site.remove()
    throw err
  }
}

function running (site: Awaited<ReturnType<typeof makeSite>>, launcher: Running<LauncherInfo>, browser: Browser, context: BrowserContext, page: Page): SiteGateway {
  return {
    launcher,
    browser,
    context,
    page,
    root: launcher.info.roots[site.dir],
    async stop () {
      await browser.close()
      const code = await launcher.stop()
      await site.remove()
      return code
    }
  }
}
