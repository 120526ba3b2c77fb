import puppeteer from 'puppeteer-core'
import { ensureFirefox } from './system-browsers.ts'
import { fetchAndHash } from './page-helpers.ts'
import type { FetchResult } from './page-helpers.ts'
import type { Browser, Page } from 'puppeteer-core'

/**
 * Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core
 * (Playwright drives only its own patched Firefox). Headless, a profile of
 * its own per launch.
 */
export async function launchFirefox (): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: ensureFirefox(),
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: 60_000,
    extraPrefsFirefox: {
      // nothing leaves loopback: no telemetry, updates or captive-portal checks
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
      'toolkit.telemetry.enabled': false
    }
  })
}

/** Opens a gateway URL and waits until the SW controls the page and the bootstrap reload is done. */
export async function openThroughServiceWorker (page: Page, url: string): Promise<void> {
  await page.goto(url, { timeout: 60_000 })
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null && document.querySelector('[data-testid="bootstrap"]') == null, { timeout: 60_000, polling: 100 })
}

/** fetch() inside the page (so through its SW), the body hashed there */
export async function fetchInPage (page: Page, url: string, init: { headers?: Record<string, string> } = {}): Promise<FetchResult> {
  return page.evaluate(fetchAndHash, { url, init })
}
