import { BenchCheckError } from '../support/in-page.ts'
import { contentOrigin, inFreshContext, inTurns, openContentOrigin } from '../support/environment.ts'
import { series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'
import type { Page } from 'playwright-core'

/**
 * P4: a page with many small assets, loaded whole (the load event) in a fresh
 * context: through Edgeway's SW on the site's own origin (installed first,
 * store empty but for the small first-hit page) vs the same files from the
 * static server (empty HTTP cache).
 * On the site's own origin its scripts run; in path mode they would not (the
 * SW serves path content on the gateway's origin sandboxed).
 */
export const p4SiteLoad: Measure = {
  id: 'P4',
  title: 'Site with many small assets, full load',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const site = env.content.site
    const times = await inTurns(env, `P4 ${env.sizes.siteAssets} assets`,
      async () => inFreshContext(env, async page => {
        await openContentOrigin(env, page)
        return loadSite(page, `${contentOrigin(env)}/${site.index}`, site)
      }),
      async () => inFreshContext(env, async page => loadSite(page, `${env.plain}/files/${site.index}`, site)))
    const subject = series('Edgeway SW', 'ms', times.subject)
    const anchor = series('plain HTTP', 'ms', times.anchor)
    return {
      id: 'P4',
      title: this.title,
      description: `A page referencing ${env.sizes.siteAssets} distinct small assets (${site.images} SVG images, ${site.scripts} scripts, ${site.styles} stylesheets, 2–6 KiB each), from navigation start to the load event: through Edgeway's SW on the site's own origin (installed and started, empty store) vs a static server (empty HTTP cache).`,
      status: 'ok',
      series: [subject, anchor],
      checks: [timeCheck(subject, anchor, 1.3)]
    }
  }
}

/** Navigation start to the end of the load event, by the page's own Navigation Timing; checks everything loaded. */
async function loadSite (page: Page, url: string, site: BenchEnv['content']['site']): Promise<number> {
  await page.goto(url, { waitUntil: 'load' })
  const loaded = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[]
    return {
      ms: navigation.loadEventEnd - navigation.startTime,
      scripts: (globalThis as { benchScripts?: number }).benchScripts ?? 0,
      images: Array.from(document.images).filter(image => image.complete && image.naturalWidth > 0).length,
      styles: Array.from(document.styleSheets).filter(sheet => sheet.cssRules.length > 0).length
    }
  })
  if (loaded.scripts !== site.scripts || loaded.images !== site.images || loaded.styles !== site.styles) {
    throw new BenchCheckError(`P4 ${url}: ran ${loaded.scripts}/${site.scripts} scripts, showed ${loaded.images}/${site.images} images, applied ${loaded.styles}/${site.styles} stylesheets`)
  }
  return loaded.ms
}
