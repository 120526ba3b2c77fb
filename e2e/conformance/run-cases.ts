import { checkCase } from './check.ts'
import { headerMap } from './check-headers.ts'
import { dependencies, expectsRedirect, originOf, referencedCases, resolveHeaders, runOrder } from './plan.ts'
import type { Observer } from './observe.ts'
import type { ConformanceCase } from './types.ts'

export interface CaseOutcome {
  id: string
  category: string
  state: 'passed' | 'failed' | 'skipped'
  /** the failed `expect` checks, or why there was no response to check */
  failures: string[]
  /** the failed `informative` checks; undefined when the case has none or did not run */
  informative?: string[]
  skipReason?: string
  /** the response's Etag, for the cases that refer to it */
  etag?: string
  via?: 'fetch' | 'navigation'
  ms?: number
}

export interface RunCasesOptions {
  observer: Observer
  /** `http://localhost:<port>` */
  gateway: string
  /** a reason to leave a case out, or undefined to run it */
  skip?: (testCase: ConformanceCase) => string | undefined
  /**
   * Requests in flight at once. Cases for the same URL, and cases that refer to another's
   * response, still run in the corpus' order.
   *
   * @default 4
   */
  concurrency?: number
}

/** Runs every case through the observer and checks it; one outcome per case, in corpus order. */
export async function runCases (cases: ConformanceCase[], { observer, gateway, skip = () => undefined, concurrency = 4 }: RunCasesOptions): Promise<CaseOutcome[]> {
  const ordered = runOrder(cases)
  const waitsFor = dependencies(ordered)
  const outcomes = new Map<string, Promise<CaseOutcome>>()
  const limit = createLimit(concurrency)

  const run = async (testCase: ConformanceCase): Promise<CaseOutcome> => {
    const base = { id: testCase.id, category: testCase.category }
    const earlier = new Map<string, CaseOutcome>()
    for (const id of waitsFor.get(testCase.id) ?? []) {
      const outcome = await outcomes.get(id)!
      earlier.set(id, outcome)
    }
    const skippedReference = referencedCases(testCase).find(id => earlier.get(id)?.state === 'skipped')
    const skipReason = skip(testCase) ?? (skippedReference != null ? `refers to ${skippedReference}, which was skipped` : undefined)
    if (skipReason != null) {
      return { ...base, state: 'skipped', failures: [], skipReason }
    }
    const resolved = resolveHeaders(testCase.request.headers ?? {}, id => earlier.get(id)?.etag)
    if ('missing' in resolved) {
      return { ...base, state: 'failed', failures: [`two-step: case ${resolved.missing} gave no Etag to send`] }
    }
    return limit(async () => {
      const origin = originOf(testCase, gateway)
      // an origin's first case waits for its SW; that time is the origin's, not the request's
      await observer.open(origin)
      const started = Date.now()
      const navigate = expectsRedirect(testCase.expect)
      const observation = await observer.observe({
        origin,
        method: testCase.request.method,
        target: testCase.request.target,
        headers: resolved.headers,
        navigate
      })
      const via = navigate ? 'navigation' : 'fetch'
      if ('error' in observation) {
        return { ...base, state: 'failed', failures: [observation.error], via, ms: Date.now() - started }
      }
      const result = await checkCase(testCase, observation.observed)
      return {
        ...base,
        state: result.failures.length === 0 ? 'passed' : 'failed',
        failures: result.failures,
        informative: result.informative,
        etag: headerMap(observation.observed.headers).get('etag'),
        via,
        ms: Date.now() - started
      }
    })
  }

  for (const testCase of ordered) {
    // a check that throws is this case's failure, not the run's
    outcomes.set(testCase.id, run(testCase).catch((err: unknown): CaseOutcome => ({
      id: testCase.id, category: testCase.category, state: 'failed', failures: [`could not check the case: ${String(err)}`]
    })))
  }
  return Promise.all(cases.map(async testCase => outcomes.get(testCase.id)!))
}

/** At most `n` of the given functions running at once, started in the order they were given. */
function createLimit (n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0
  const queue: Array<() => void> = []
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < n) {
      running++
    } else {
      await new Promise<void>(resolve => queue.push(resolve)) // a finishing call hands its slot over
    }
    try {
      return await fn()
    } finally {
      const next = queue.shift()
      if (next != null) next()
      else running--
    }
  }
}
