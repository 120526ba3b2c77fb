import { badRequests, fuzzSeed, judgeBadAnswers } from '../../e2e/support/bad-requests.ts'
import { swStartedAt } from '../../e2e/support/page-helpers.ts'
import { sendMany } from '../../e2e/support/send-many.ts'
import { openGateway } from '../support/environment.ts'
import { median, series } from '../support/stats.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/** `--long` sends this many; `--only fuzz` alone a quick sample */
export const LONG_FUZZ_COUNT = 20_000
const SAMPLE_COUNT = 2_000
const QUICK_COUNT = 500
/** Every answer within this long: the "answered, not a hang" */
const DEADLINE_MS = 5_000
/** Requests per batch; the series is each batch's slowest answer */
const BATCH = 500

/**
 * Robustness under bad input at volume: seeded bad URLs and headers (invalid
 * CIDs, unsupported codecs and hashes, traversal, long paths, malformed
 * Range/Accept, bad CAR parameters) sent through the SW from one page, 16 at
 * a time. Every one must be an error page (4xx/5xx) within 5 s, and the same
 * SW must still answer a good request afterwards.
 */
export function fuzzMeasure (count: number): Measure {
  return {
    id: 'fuzz',
    title: 'Bad requests at volume',
    async run (env: BenchEnv): Promise<MeasureResult> {
      const context = await env.browser.newContext()
      try {
        const page = await context.newPage()
        await openGateway(env, page)
        const startedAt = await swStartedAt(page)
        const seed = fuzzSeed()
        env.log(`  fuzz: seed ${seed} (EDGEWAY_FUZZ_SEED=${seed} repeats it), ${count} requests`)
        const requests = badRequests(seed, count, { root: env.root, file: env.content.large.path, fileSize: env.content.large.bytes })
        const results = await sendMany(page, requests, { concurrency: 16, deadlineMs: DEADLINE_MS, chunk: BATCH })
        const { statuses, failures, worstMs } = judgeBadAnswers(requests, results)
        const latencies = results.map(r => r.ms)
        const worstPerBatch = Array.from({ length: Math.ceil(results.length / BATCH) }, (_, b) => Math.max(1, ...latencies.slice(b * BATCH, (b + 1) * BATCH)))
        const sorted = [...latencies].sort((a, b) => a - b)
        const restarted = await swStartedAt(page) !== startedAt
        const good = await page.evaluate(async (url) => (await fetch(url, { headers: { Range: 'bytes=0-1023' } })).status, `/ipfs/${env.root}/${env.content.large.path}`)
        const problems = [
          ...(failures.length > 0 ? [`${failures.length} not answered with an error page within ${DEADLINE_MS} ms, e.g. ${failures.slice(0, 3).join('; ')}`] : []),
          ...(restarted ? ['the SW restarted during the run'] : []),
          ...(good !== 206 ? [`a good range request afterwards answered ${good}`] : [])
        ]
        return {
          id: 'fuzz',
          title: this.title,
          description: `${count} seeded bad requests (seed ${seed}) through the SW, 16 in flight: each must be an error page (4xx/5xx) within ${DEADLINE_MS / 1000} s, and the same SW must answer a good request after.`,
          status: problems.length === 0 ? 'ok' : 'failed',
          note: problems.length === 0 ? undefined : problems.join(' '),
          series: [series(`slowest answer per ${BATCH}`, 'ms', worstPerBatch)],
          checks: [],
          extra: {
            count,
            seed,
            statuses,
            worstMs,
            medianMs: median(sorted),
            p99Ms: sorted[Math.floor(sorted.length * 0.99)],
            failures: failures.length,
            swRestarted: restarted
          }
        }
      } finally {
        await context.close()
      }
    }
  }
}

/** The count for this run: 20,000 with `--long`, fewer when the measure is asked for alone (`--only fuzz`). */
export function fuzzCount ({ long, quick }: { long: boolean, quick: boolean }): number {
  return long ? LONG_FUZZ_COUNT : quick ? QUICK_COUNT : SAMPLE_COUNT
}
