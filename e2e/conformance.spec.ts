import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launcherArgs, locateCorpus } from './conformance/corpus.ts'
import { EXPECTED_FAILURES } from './conformance/expected-failures.ts'
import { createObserver } from './conformance/observe.ts'
import { formatReport, verdictOf } from './conformance/report.ts'
import { runCases } from './conformance/run-cases.ts'
import { launchBrowser } from './support/browser.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LocatedCorpus } from './conformance/corpus.ts'
import type { CaseOutcome } from './conformance/run-cases.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser } from 'playwright-core'

/**
 * The gateway conformance corpus (../shared/conformance, or $EDGEWAY_CONFORMANCE_DIR), run
 * through the service worker in Chromium: one launcher serving every fixture, one browser,
 * every case sent from a page on its origin. The per-category table is printed at the end
 * (e2e/conformance/summary-reporter.ts).
 */
const ROOT = resolve(import.meta.dirname, '..')
/** the gateway's idle timeout: cases about absent blocks wait this long for their answer */
const GATEWAY_TIMEOUT_MS = 5_000
const located = locateCorpus(ROOT)

if ('missing' in located) {
  console.warn(`conformance: skipped, ${located.missing}`)
}

describe.skipIf('missing' in located)('gateway conformance', () => {
  // a skipped describe is still collected: with no corpus there are no cases
  const cases = 'missing' in located ? [] : located.corpus.cases
  let launcher: Running<LauncherInfo> | undefined
  let browser: Browser | undefined
  let outcomes: Map<string, CaseOutcome>
  let report: string | undefined

  beforeAll(async () => {
    // the corpus checks path-gateway answers on the gateway's origin (its subdomain cases name their own origins)
    launcher = await spawnLauncher([...launcherArgs(located as LocatedCorpus), '--timeout-ms', String(GATEWAY_TIMEOUT_MS), '--path-gateway'])
    browser = await launchBrowser()
    const observer = createObserver(await browser.newContext())
    const started = Date.now()
    const list = await runCases(cases, { observer, gateway: launcher.info.gateway })
    outcomes = new Map(list.map(outcome => [outcome.id, outcome]))
    const ran = list.filter(outcome => outcome.ms != null)
    const slowest = [...ran].sort((a, b) => b.ms! - a.ms!).slice(0, 3).map(outcome => `${outcome.id} ${outcome.ms} ms`)
    const openings = observer.openings().map(({ origin, ms, error }) => `${new URL(origin).host} ${ms} ms${error != null ? ` (failed: ${error})` : ''}`)
    report = [
      formatReport(list, EXPECTED_FAILURES).text,
      '',
      `${ran.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; slowest requests: ${slowest.join(', ')}`,
      `service worker installs, per origin: ${openings.join(', ')}`
    ].join('\n')
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    if (launcher != null) expect(await launcher.stop()).toBe(0)
  })

  const categories = [...new Set(cases.map(testCase => testCase.category))]
  for (const category of categories) {
    describe(category, () => {
      for (const testCase of cases.filter(c => c.category === category)) {
        it(testCase.id, (context) => {
          const outcome = outcomes.get(testCase.id)!
          const verdict = verdictOf(outcome, EXPECTED_FAILURES)
          if (verdict === 'skipped') context.skip(outcome.skipReason)
          if (verdict === 'failed') expect.fail(outcome.failures.join('\n'))
          if (verdict === 'unexpectedly-passing') expect.fail(`passes, but e2e/conformance/expected-failures.ts lists it (${EXPECTED_FAILURES[testCase.id]}): remove it from the list`)
        })
      }
    })
  }

  it('reports the results by category', ({ task }) => {
    // printed after the test summary by e2e/conformance/summary-reporter.ts
    task.meta.conformanceReport = report
  })

  it('lists only cases the corpus has as expected failures', () => {
    const known = new Set(cases.map(testCase => testCase.id))
    expect(Object.keys(EXPECTED_FAILURES).filter(id => !known.has(id))).toEqual([])
  })
})
