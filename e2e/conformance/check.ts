import { checkBody } from './check-body.ts'
import { checkHeader, headerMap } from './check-headers.ts'
import type { Alternative, ConformanceCase, Expect, Observed } from './types.ts'

export type { Expect, Observed } from './types.ts'

export interface CaseResult {
  /** failed `expect` checks: the case passes when this is empty */
  failures: string[]
  /** failed `informative` checks, reported but never failing; undefined when the case has none */
  informative?: string[]
}

/**
 * Compares an observed response with a case's `expect` (and, separately, its `informative`
 * checks). Pure: no I/O, the same answer for the same input.
 */
export async function checkCase (testCase: Pick<ConformanceCase, 'expect' | 'informative'>, observed: Observed): Promise<CaseResult> {
  return {
    failures: await checkExpect(testCase.expect, observed),
    informative: testCase.informative == null ? undefined : await checkExpect(testCase.informative, observed)
  }
}

/**
 * Every failed check, each a readable sentence such as
 * `header Cache-Control: expected to contain "immutable", got "public, max-age=60"`.
 * All checks outside `any_of` must pass, and at least one alternative in full.
 */
export async function checkExpect (expect: Expect, observed: Observed): Promise<string[]> {
  const { any_of: alternatives, ...rest } = expect
  const failures = await checkAlternative(rest, observed)
  if (alternatives != null && alternatives.length > 0) {
    const outcomes = await Promise.all(alternatives.map(async alternative => checkAlternative(alternative, observed)))
    if (outcomes.every(outcome => outcome.length > 0)) {
      const reasons = outcomes.map((outcome, i) => `(${i + 1}) ${outcome.join('; ')}`).join(' | ')
      failures.push(`any_of: none of the ${alternatives.length} alternatives holds: ${reasons}`)
    }
  }
  return failures
}

async function checkAlternative (expect: Alternative, observed: Observed): Promise<string[]> {
  const failures: string[] = []
  if (expect.status != null && observed.status !== expect.status) {
    failures.push(`status: expected ${expect.status}, got ${observed.status}`)
  }
  if (expect.status_range != null) {
    const [lo, hi] = expect.status_range
    if (observed.status < lo || observed.status > hi) {
      failures.push(`status: expected ${lo}–${hi}, got ${observed.status}`)
    }
  }
  const headers = headerMap(observed.headers)
  for (const [name, check] of Object.entries(expect.headers ?? {})) {
    failures.push(...checkHeader(name, check, headers))
  }
  if (expect.body != null) {
    failures.push(...await checkBody(expect.body, observed.body))
  }
  return failures
}
