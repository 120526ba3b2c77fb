import { inFreshContext, inTurns } from '../support/environment.ts'
import { series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'
import type { Page } from 'playwright-core'

/**
 * P8: a browser that has never seen the gateway opens a link to a small page:
 * bootstrap page, SW install and start, then the content, until the content's
 * marker element is on screen; vs the same page by plain HTTP.
 */
export const p8FirstHit: Measure = {
  id: 'P8',
  title: 'First hit, never-seen gateway',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const { path, marker } = env.content.firstHit
    const times = await inTurns(env, 'P8',
      async () => inFreshContext(env, async page => openUntilShown(page, `${env.gateway}/ipfs/${env.root}/${path}`, marker)),
      async () => inFreshContext(env, async page => openUntilShown(page, `${env.plain}/files/${path}`, marker)))
    const subject = series('Edgeway SW, first visit', 'ms', times.subject)
    const anchor = series('plain HTTP', 'ms', times.anchor)
    return {
      id: 'P8',
      title: this.title,
      description: 'A fresh browser context opens a gateway link to a small HTML page: from the navigation to the content on screen (bootstrap page, SW install, node start, fetch), timed by the harness; vs the same page from the static server.',
      status: 'ok',
      series: [subject, anchor],
      checks: [timeCheck(subject, anchor, 3)]
    }
  }
}

async function openUntilShown (page: Page, url: string, marker: string): Promise<number> {
  const start = performance.now()
  await page.goto(url, { waitUntil: 'commit' })
  await page.locator(`#${marker}`).waitFor({ state: 'visible', timeout: 60_000 })
  return performance.now() - start
}
