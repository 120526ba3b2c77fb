/**
 * The stdout summary: one block per measure (its series, then its checks),
 * aligned in columns and kept within a 120-column terminal.
 */

import { formatGoal, formatNumber, formatValue, machineLine, runLine, tally, verdict, verdictMark } from './format.ts'
import type { BenchResults, Check, MeasureResult, Series } from '../types.ts'

const WIDTH = 120
const ID = 6
const NAME = 34
const VALUE = 28
const GOAL = 14

/** Width in terminal columns; every glyph we print (× – ✓ ✗ ≥) is one column wide. */
function width (text: string): number {
  return [...text].length
}

function fit (text: string, columns: number): string {
  return width(text) <= columns ? text : [...text].slice(0, Math.max(columns - 1, 0)).join('') + '…'
}

function pad (text: string, columns: number): string {
  const fitted = fit(text, columns - 1)
  return fitted + ' '.repeat(columns - width(fitted))
}

/** Word-wraps a note under the measure it belongs to. */
function wrap (text: string, indent: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(w => w !== '')) {
    if (line !== '' && width(line) + 1 + width(word) > WIDTH - indent) {
      lines.push(line)
      line = ''
    }
    line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') {
    lines.push(line)
  }
  return lines.map(l => ' '.repeat(indent) + fit(l, WIDTH - indent))
}

function measureLines (measure: MeasureResult): string[] {
  const status = measure.status === 'ok' ? '' : `  [${measure.status.toUpperCase()}]`
  const head = pad(measure.id, ID) + fit(measure.title, WIDTH - ID - width(status)) + status
  const note = measure.note == null || measure.note === '' ? [] : wrap(`note: ${measure.note}`, ID)
  return [head, ...note, ...measure.series.map(seriesLine), ...measure.checks.map(checkLine)]
}

/** "label median (min–max) unit" */
function seriesLine (series: Series): string {
  const value = series.runs.length === 0
    ? 'no runs'
    : `${formatNumber(series.median)} (${formatNumber(series.min)}–${formatNumber(series.max)}) ${series.unit}`
  return ' '.repeat(ID + 2) + pad(series.label, NAME - 2) + fit(value, WIDTH - ID - NAME)
}

/** "✓ label value goal formula", the mark first so a scan down the left edge finds every miss. */
function checkLine (check: Check): string {
  const goal = formatGoal(check)
  const line = ' '.repeat(ID) + verdictMark(verdict(check)) + ' ' + pad(check.label, NAME - 2) +
    pad(formatValue(check.value, check.unit), VALUE) + pad(goal === '' ? 'no goal' : goal, GOAL) + check.formula
  return fit(line, WIDTH)
}

function header (results: BenchResults): string[] {
  const rule = '─'.repeat(WIDTH)
  const columns = pad('ID', ID) + pad('Measure · series · check', NAME) + pad('Value (min–max)', VALUE) + pad('Goal', GOAL) + 'How'
  return [
    fit(`Edgeway benchmark · ${runLine(results)}`, WIDTH),
    fit(`Machine: ${machineLine(results)}`, WIDTH),
    '',
    columns,
    rule
  ]
}

function footer (results: BenchResults): string[] {
  const t = tally(results)
  return [
    '─'.repeat(WIDTH),
    `Checks: ${t.met} ✓ met, ${t.missed} ✗ missed, ${t.none} — without goal · ` +
      `Measures: ${t.ok} ok, ${t.skipped} skipped, ${t.failed} failed`
  ]
}

export function renderTable (results: BenchResults): string {
  const blocks = results.measures.map(measureLines)
  const body = blocks.flatMap((lines, i) => i === 0 ? lines : ['', ...lines])
  return [...header(results), ...body, ...footer(results)].join('\n') + '\n'
}
