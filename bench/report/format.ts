/**
 * Numbers, units, dates and verdicts as both reports print them, so the
 * stdout table and the HTML page never disagree about a figure.
 */

import type { BenchResults, Check } from '../types.ts'

export type Verdict = 'met' | 'missed' | 'none'

const OP_SYMBOL = { '>=': '≥', '<=': '≤' } as const

/**
 * A check without a goal is never judged. With one, the harness's `met` wins;
 * only when it is absent do we judge `op` ourselves (ratios are "at least",
 * memory is "at most", unless `op` says otherwise).
 */
export function verdict (check: Check): Verdict {
  if (check.goal == null || !Number.isFinite(check.goal)) {
    return 'none'
  }
  const op = check.op ?? (check.unit === 'MB' ? '<=' : '>=')
  const met = check.met ?? (op === '>=' ? check.value >= check.goal : check.value <= check.goal)
  return met ? 'met' : 'missed'
}

export function verdictMark (v: Verdict): string {
  return v === 'met' ? '✓' : v === 'missed' ? '✗' : '—'
}

/** Three significant figures or so; grouping for big values, exponent past a billion; never "NaN". */
export function formatNumber (n: number): string {
  if (!Number.isFinite(n)) {
    return '—'
  }
  const abs = Math.abs(n)
  if (abs !== 0 && (abs >= 1e9 || abs < 0.01)) {
    return n.toExponential(2)
  }
  if (abs >= 100) {
    return Math.round(n).toLocaleString('en-US')
  }
  return n.toFixed(abs >= 10 ? 1 : 2)
}

/** Axis ticks: as short as possible ("0", "2.5", "1,000"), since they come from a nice step. */
export function formatTick (n: number): string {
  if (Math.abs(n) >= 1e6) {
    return n.toExponential(1)
  }
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 })
}

/** "0.93×" hugs its number; every other unit is spaced: "312 MiB/s". */
export function withUnit (text: string, unit: string): string {
  return unit === '×' ? `${text}×` : `${text} ${unit}`
}

/** "0.93×", "41.0 MB"; a missing figure is a bare "—", never "—×". */
export function formatValue (n: number, unit: string): string {
  return Number.isFinite(n) ? withUnit(formatNumber(n), unit) : formatNumber(n)
}

/** "≥ 0.80×", or "" when the check has no goal. */
export function formatGoal (check: Check): string {
  if (check.goal == null) {
    return ''
  }
  const op = check.op ?? (check.unit === 'MB' ? '<=' : '>=')
  return `${OP_SYMBOL[op]} ${formatValue(check.goal, check.unit)}`
}

/** "2025-06-01 10:00 UTC"; an unparseable stamp is shown as given. */
export function formatDate (iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) {
    return iso
  }
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** "4 min 12 s"; "" when either stamp is unparseable. */
export function formatDuration (startedAt: string, finishedAt: string): string {
  const seconds = Math.round((Date.parse(finishedAt) - Date.parse(startedAt)) / 1000)
  if (!Number.isFinite(seconds) || seconds < 0) {
    return ''
  }
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

export function machineLine ({ machine }: BenchResults): string {
  return [
    `${machine.cpus} × ${machine.cpuModel}`,
    `${formatNumber(machine.memoryGiB)} GiB`,
    machine.platform,
    `Node ${machine.node}`,
    `Chromium ${machine.chromium}`
  ].join(' · ')
}

/** Date, duration, commit, quick flag and run count: the facts a reader needs to trust the figures. */
export function runLine (results: BenchResults): string {
  const duration = formatDuration(results.startedAt, results.finishedAt)
  return [
    formatDate(results.startedAt) + (duration === '' ? '' : ` (${duration})`),
    results.commit == null ? 'commit unknown' : `commit ${results.commit.slice(0, 12)}`,
    results.quick ? 'quick run' : 'full run',
    `${results.runs} run${results.runs === 1 ? '' : 's'} per measure`
  ].join(' · ')
}

export interface Tally {
  met: number
  missed: number
  none: number
  ok: number
  skipped: number
  failed: number
}

export function tally (results: BenchResults): Tally {
  const counts: Tally = { met: 0, missed: 0, none: 0, ok: 0, skipped: 0, failed: 0 }
  for (const measure of results.measures) {
    counts[measure.status]++
    for (const check of measure.checks) {
      counts[verdict(check)]++
    }
  }
  return counts
}
