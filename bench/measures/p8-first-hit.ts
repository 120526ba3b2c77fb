import { inFreshContext, repeat } from '../support/environment.ts'
import { series } from '../support/stats.ts'
import { timeCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'
import type { Page } from 'playwright-core'

/**
 * P8: a browser that has never seen the gateway opens a link to a small page:
 * bootstrap page, SW install and start, then the content, until the content's
 * marker element is on screen; vs the same page by plain HTTP, and vs vanilla
 * verified-fetch in a SW (what any verified-fetch SW parses and does first).
 */
export const p8FirstHit: Measure = {
  id: 'P8',
  title: 'First hit, never-seen gateway',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const { path, marker } = env.content.firstHit
    // in turns, so drift hits all three alike
    const runs = await repeat(env, 'P8', async () => [
      await inFreshContext(env, async page => openUntilShown(page, `${env.gateway}/ipfs/${env.root}/${path}`, marker)),
      await inFreshContext(env, async page => openUntilShown(page, `${env.limit}/vf/ipfs/${env.root}/${path}`, marker)),
      await inFreshContext(env, async page => openUntilShown(page, `${env.plain}/files/${path}`, marker))
    ] as const)
    const subject = series('Edgeway SW, first visit', 'ms', runs.map(([value]) => value))
    const vanilla = series('vanilla verified-fetch SW, first visit', 'ms', runs.map(([, value]) => value))
    const anchor = series('plain HTTP', 'ms', runs.map(([, , value]) => value))
    return {
      id: 'P8',
      title: this.title,
      description: 'A fresh browser context opens a gateway link to a small HTML page: from the navigation to the content\'s first paint (bootstrap page, SW install, node start, fetch; the paint time is the content document\'s own first-contentful-paint entry); vs the same page from the static server; and vs the least a SW built on verified-fetch does for it: vanilla @helia/verified-fetch over HTTP against the same edge, blocks in memory, installed by the same bootstrap page on an origin of its own (path URLs, no subdomain redirect).',
      status: 'ok',
      series: [subject, vanilla, anchor],
      checks: [timeCheck(subject, anchor, 3), timeCheck(subject, vanilla), { ...timeCheck(vanilla, anchor), label: 'vanilla verified-fetch SW vs plain HTTP' }]
    }
  }
}

/**
 * From the navigation to the content's first paint. The harness sees the
 * marker by polling, and after a bootstrap page has kept it waiting its polls
 * are up to 500 ms apart, which would land on the gateway's side only; so the
 * time is the content document's own first contentful paint (the marker is
 * all it shows), on the wall clock the harness started from.
 */
async function openUntilShown (page: Page, url: string, marker: string): Promise<number> {
  const start = Date.now()
  await page.goto(url, { waitUntil: 'commit' })
  await page.locator(`#${marker}`).waitFor({ state: 'visible', timeout: 60_000 })
  const seen = Date.now() - start
  const painted = await page.waitForFunction(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0]
    return paint == null ? 0 : performance.timeOrigin + paint.startTime
  }, undefined, { timeout: 10_000 })
  const shown = (await painted.jsonValue()) - start
  // the page's clock and the harness's are the machine's; a paint after the harness saw it means they disagree
  if (!(shown > 0 && shown <= seen + CLOCK_SLACK_MS)) {
    throw new Error(`P8: first paint at ${shown.toFixed(1)} ms, but the marker was seen at ${seen} ms: the page's clock does not match the harness's`)
  }
  return shown
}

const CLOCK_SLACK_MS = 20
