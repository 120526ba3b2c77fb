import type { CaseOutcome } from './run-cases.ts'

export type Verdict = 'passed' | 'failed' | 'expected-failure' | 'unexpectedly-passing' | 'skipped'

/** What a case's outcome means for the run, given the list of known failures (id → reason). */
export function verdictOf (outcome: CaseOutcome, expectedFailures: Readonly<Record<string, string>>): Verdict {
  const listed = Object.hasOwn(expectedFailures, outcome.id)
  if (outcome.state === 'skipped') return 'skipped'
  if (outcome.state === 'passed') return listed ? 'unexpectedly-passing' : 'passed'
  return listed ? 'expected-failure' : 'failed'
}

export interface Report {
  text: string
  /** false when a case failed that is not listed, a listed case passed, or the list names unknown cases */
  ok: boolean
}

const COLUMNS = ['category', 'cases', 'passed', 'failed', 'expected failures', 'unexpectedly passing', 'skipped', 'informative ok'] as const

/** The per-category table, the total, then every failing case with its failed checks. */
export function formatReport (outcomes: CaseOutcome[], expectedFailures: Readonly<Record<string, string>>): Report {
  const verdicts = outcomes.map(outcome => ({ outcome, verdict: verdictOf(outcome, expectedFailures) }))
  const known = new Set(outcomes.map(outcome => outcome.id))
  const unknownListed = Object.keys(expectedFailures).filter(id => !known.has(id))

  const categories = [...new Set(outcomes.map(outcome => outcome.category))]
  const rowOf = (label: string, rows: typeof verdicts): string[] => {
    const count = (verdict: Verdict): string => String(rows.filter(row => row.verdict === verdict).length)
    const informative = rows.filter(row => row.outcome.informative != null)
    const informativeOk = informative.filter(row => row.outcome.informative!.length === 0).length
    return [label, String(rows.length), count('passed'), count('failed'), count('expected-failure'), count('unexpectedly-passing'), count('skipped'),
      informative.length === 0 ? '-' : `${informativeOk}/${informative.length}`]
  }
  const rows = [
    ...categories.map(category => rowOf(category, verdicts.filter(row => row.outcome.category === category))),
    rowOf('total', verdicts)
  ]
  const lines = [...table([[...COLUMNS], ...rows])]

  const section = (title: string, verdict: Verdict, detail: (outcome: CaseOutcome) => string[]): void => {
    const matching = verdicts.filter(row => row.verdict === verdict)
    if (matching.length === 0) return
    lines.push('', `${title} (${matching.length}):`)
    for (const { outcome } of matching) {
      lines.push(`  ${outcome.id} [${outcome.category}]`, ...detail(outcome).map(line => `      ${line}`))
    }
  }
  section('Failing', 'failed', outcome => outcome.failures)
  section('Unexpectedly passing: remove them from e2e/conformance/expected-failures.ts', 'unexpectedly-passing', outcome => [`listed because: ${expectedFailures[outcome.id]}`])
  section('Failing as expected', 'expected-failure', outcome => [`listed because: ${expectedFailures[outcome.id]}`, `first failed check: ${outcome.failures[0]}`])
  section('Skipped', 'skipped', outcome => [outcome.skipReason ?? ''])

  const informative = outcomes.filter(outcome => outcome.informative != null && outcome.informative.length > 0)
  if (informative.length > 0) {
    lines.push('', `Informative checks not met (reported only, ${informative.length}):`)
    for (const outcome of informative) {
      const more = outcome.informative!.length > 1 ? ` (and ${outcome.informative!.length - 1} more)` : ''
      lines.push(`  ${outcome.id}: ${outcome.informative![0]}${more}`)
    }
  }
  if (unknownListed.length > 0) {
    lines.push('', `expected-failures.ts names cases the corpus does not have: ${unknownListed.join(', ')}`)
  }

  const ok = unknownListed.length === 0 && verdicts.every(row => row.verdict !== 'failed' && row.verdict !== 'unexpectedly-passing')
  return { text: lines.join('\n'), ok }
}

function table (rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)))
  const format = (row: string[]): string => row.map((cell, column) => column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])).join('  ')
  return [format(rows[0]), widths.map(width => '-'.repeat(width)).join('  '), ...rows.slice(1, -1).map(format), widths.map(width => '-'.repeat(width)).join('  '), format(rows[rows.length - 1])]
}
