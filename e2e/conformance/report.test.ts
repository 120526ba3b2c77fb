import { describe, expect, it } from 'vitest'
import { formatReport, verdictOf } from './report.ts'
import type { CaseOutcome } from './run-cases.ts'

const outcome = (id: string, category: string, state: CaseOutcome['state'], extra: Partial<CaseOutcome> = {}): CaseOutcome => ({
  id, category, state, failures: state === 'failed' ? [`status: expected 200, got 404 (${id})`] : [], ...extra
})

describe('verdictOf', () => {
  const listed = { known: 'not built yet' }
  it('reads a listed case that fails as expected, and one that passes as unexpectedly passing', () => {
    expect(verdictOf(outcome('known', 'car', 'failed'), listed)).toBe('expected-failure')
    expect(verdictOf(outcome('known', 'car', 'passed'), listed)).toBe('unexpectedly-passing')
    expect(verdictOf(outcome('other', 'car', 'failed'), listed)).toBe('failed')
    expect(verdictOf(outcome('other', 'car', 'passed'), listed)).toBe('passed')
    expect(verdictOf(outcome('known', 'car', 'skipped'), listed)).toBe('skipped')
  })
})

describe('formatReport', () => {
  const outcomes = [
    outcome('a', 'car', 'passed', { informative: [] }),
    outcome('b', 'car', 'failed', { informative: ['body: expected to contain "Index of"'] }),
    outcome('c', 'range', 'failed'),
    outcome('d', 'range', 'passed'),
    outcome('e', 'ipns', 'skipped', { skipReason: 'no records' })
  ]

  it('has a row per category and a total, then every failing case with its checks', () => {
    const { text, ok } = formatReport(outcomes, { c: 'ranges are next' })
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^category\s+cases\s+passed\s+failed\s+expected failures\s+unexpectedly passing\s+skipped\s+informative ok$/)
    expect(lines.find(line => line.startsWith('car '))).toMatch(/^car\s+2\s+1\s+1\s+0\s+0\s+0\s+1\/2$/)
    expect(lines.find(line => line.startsWith('range '))).toMatch(/^range\s+2\s+1\s+0\s+1\s+0\s+0\s+-$/)
    expect(lines.find(line => line.startsWith('total '))).toMatch(/^total\s+5\s+2\s+1\s+1\s+0\s+1\s+1\/2$/)
    expect(text).toContain('Failing (1):\n  b [car]\n      status: expected 200, got 404 (b)')
    expect(text).toContain('Failing as expected (1):\n  c [range]\n      listed because: ranges are next')
    expect(text).toContain('Skipped (1):\n  e [ipns]\n      no records')
    expect(text).toContain('b: body: expected to contain "Index of"')
    expect(ok).toBe(false)
  })

  it('is ok when every failure is listed, and not when a listed case passes or is unknown', () => {
    expect(formatReport(outcomes, { b: 'x', c: 'y' }).ok).toBe(true)
    const passing = formatReport(outcomes, { b: 'x', c: 'y', d: 'z' })
    expect(passing.ok).toBe(false)
    expect(passing.text).toContain('Unexpectedly passing: remove them from e2e/conformance/expected-failures.ts (1):\n  d [range]')
    const unknown = formatReport(outcomes, { b: 'x', c: 'y', gone: 'z' })
    expect(unknown.ok).toBe(false)
    expect(unknown.text).toContain('expected-failures.ts names cases the corpus does not have: gone')
  })
})
