/**
 * Horizontal bars, one per check, each with its own goal marker, as inline
 * SVG. Colours come from the page's stylesheet (classes met, missed, none).
 */

import { escapeHtml } from './escape-html.ts'
import { formatGoal, formatTick, formatValue, verdict, verdictMark, withUnit } from './format.ts'
import { linear, niceTicks, round } from './scale.ts'
import type { Check } from '../types.ts'

export interface Bar {
  /** e.g. "P1 vs plain HTTP" */
  label: string
  check: Check
}

export interface BarChartOptions {
  /** SVG user units; the page scales the drawing to its column. @default 1000 */
  width?: number
  /** What the chart shows, for screen readers. @default 'Checks against their goals' */
  label?: string
}

const LABEL = 210
const VALUE = 220
const ROW = 34
const BAR = 18
const TOP = 8
const AXIS = 30

interface Frame {
  x: (value: number) => number
  x0: number
  end: number
  valueX: number
}

/**
 * The axis end: every goal and value, except that one outlier (a 10 000×
 * ratio) must not flatten every other bar, so past four times the typical
 * figure bars are cut at the edge and marked as cut.
 */
export function axisEnd (checks: Check[]): number {
  const values = checks.map(c => c.value).filter(v => Number.isFinite(v) && v >= 0).sort((a, b) => a - b)
  const goals = checks.flatMap(c => c.goal != null && Number.isFinite(c.goal) && c.goal > 0 ? [c.goal] : [])
  const median = values[Math.floor((values.length - 1) / 2)] ?? 0
  const reference = Math.max(median, ...goals, 0)
  const top = Math.max(...values, ...goals, 0)
  return reference > 0 ? Math.min(top, 4 * reference) : top
}

function grid (ticks: number[], frame: Frame, bottom: number, unit: string): string {
  return ticks.map(tick => {
    const x = frame.x(tick)
    return `<line class="grid${tick === 0 ? ' axis' : ''}" x1="${x}" x2="${x}" y1="${TOP}" y2="${bottom}"/>` +
      `<text class="tick" x="${x}" y="${bottom + 18}" text-anchor="middle">${escapeHtml(withUnit(formatTick(tick), unit))}</text>`
  }).join('')
}

/** Two white slashes near the end of a bar that runs past the axis. */
function cutMark (x: number, cy: number): string {
  return `<path class="cut" d="M${x - 16},${cy + 11} l7,-22 M${x - 10},${cy + 11} l7,-22"/>`
}

function goalMarker (goal: number | undefined, frame: Frame, top: number): string {
  if (goal == null || !Number.isFinite(goal)) {
    return ''
  }
  const x = frame.x(goal)
  return `<line class="goal" x1="${x}" x2="${x}" y1="${top + 3}" y2="${top + ROW - 3}"/>`
}

function valueText (check: Check, x: number, cy: number): string {
  const v = verdict(check)
  const goal = formatGoal(check)
  return `<text class="value" x="${x}" y="${cy}" dy="0.35em">` +
    `<tspan class="mark ${v}">${verdictMark(v)}</tspan> ` +
    `<tspan class="figure">${escapeHtml(formatValue(check.value, check.unit))}</tspan>` +
    `<tspan class="goal-text" dx="8">${goal === '' ? 'no goal' : `goal ${escapeHtml(goal)}`}</tspan></text>`
}

function row (bar: Bar, index: number, frame: Frame): string {
  const top = TOP + index * ROW
  const cy = top + ROW / 2
  const end = frame.x(bar.check.value)
  const cut = Number.isFinite(bar.check.value) && bar.check.value > frame.end
  const label = escapeHtml(bar.label)
  return `<g class="row">` +
    `<text class="label" x="${LABEL - 14}" y="${cy}" dy="0.35em" text-anchor="end">${label}</text>` +
    `<rect class="bar ${verdict(bar.check)}" data-check="${label}" x="${frame.x0}" y="${cy - BAR / 2}" ` +
    `width="${round(end - frame.x0)}" height="${BAR}" rx="3"><title>${escapeHtml(bar.check.formula)}</title></rect>` +
    (cut ? cutMark(end, cy) : '') +
    goalMarker(bar.check.goal, frame, top) +
    valueText(bar.check, frame.valueX, cy) +
    '</g>'
}

export function renderBarChart (bars: Bar[], { width = 1000, label = 'Checks against their goals' }: BarChartOptions = {}): string {
  const unit = bars[0]?.check.unit ?? '×'
  // a little headroom, so a bar or goal at the maximum does not sit on the plot's edge
  const ticks = niceTicks(axisEnd(bars.map(b => b.check)) * 1.04, 6)
  const end = ticks[ticks.length - 1]
  const plotEnd = width - VALUE
  const frame: Frame = { x: linear(end, LABEL, plotEnd), x0: LABEL, end, valueX: plotEnd + 18 }
  const bottom = TOP + bars.length * ROW
  const height = bottom + AXIS
  return `<svg class="chart bars" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(label)}">` +
    grid(ticks, frame, bottom, unit) +
    bars.map((bar, i) => row(bar, i, frame)).join('') +
    '</svg>'
}
