import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'

/** Report width in CSS pixels; the page's main column is laid out for it. */
const WIDTH = 1200

/**
 * Screenshots the HTML report, full page, with a browser the caller launched
 * and will close. The context is ours and is closed even if the shot fails.
 */
export async function renderPng (htmlPath: string, pngPath: string, browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 800 } })
  try {
    const page = await context.newPage()
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' })
    await page.screenshot({ path: pngPath, fullPage: true })
  } finally {
    await context.close()
  }
}
