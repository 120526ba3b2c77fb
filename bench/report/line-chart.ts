/**
 * Cumulative MiB received over seconds, one polyline per timeline, with a
 * legend on the right, as inline SVG. Every point is drawn: the slope is the
 * throughput, and a stall shows as a flat step.
 */

import { escapeHtml } from './escape-html.ts'
import { formatTick } from './format.ts'
import { linear, niceTicks } from './scale.ts'
import type { Timeline } from '../types.ts'

export interface LineChartOptions {
  /** SVG user units; the page scales the drawing to its column. @default 1000 */
  width?: number
  /** @default 360 */
  height?: number
}

const MIB = 1024 * 1024
const LEFT = 64
const RIGHT = 220
const TOP = 14
const BOTTOM = 50
const LEGEND_ROW = 22
/** Tableau-like colours, distinguishable side by side; past eight, lines repeat them dashed. */
const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777']

interface Frame {
  x: (seconds: number) => number
  y: (mib: number) => number
  left: number
  right: number
  top: number
  bottom: number
}

function colour (index: number): string {
  return PALETTE[index % PALETTE.length]
}

function dash (index: number): string {
  return index >= PALETTE.length ? ' stroke-dasharray="6 4"' : ''
}

function maxOf (timelines: Timeline[], pick: (point: [number, number]) => number): number {
  return timelines.reduce((max, t) => t.points.reduce((m, p) => Number.isFinite(pick(p)) ? Math.max(m, pick(p)) : m, max), 0)
}

function axes (xTicks: number[], yTicks: number[], f: Frame): string {
  const horizontal = yTicks.map(tick => {
    const y = f.y(tick)
    return `<line class="grid${tick === 0 ? ' axis' : ''}" x1="${f.left}" x2="${f.right}" y1="${y}" y2="${y}"/>` +
      `<text class="tick" x="${f.left - 8}" y="${y}" dy="0.35em" text-anchor="end">${formatTick(tick)}</text>`
  })
  const vertical = xTicks.map(tick => {
    const x = f.x(tick)
    return `<line class="grid${tick === 0 ? ' axis' : ''}" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.bottom}"/>` +
      `<text class="tick" x="${x}" y="${f.bottom + 18}" text-anchor="middle">${formatTick(tick)}</text>`
  })
  const middle = (f.top + f.bottom) / 2
  return horizontal.join('') + vertical.join('') +
    `<text class="axis-title" x="${(f.left + f.right) / 2}" y="${f.bottom + 40}" text-anchor="middle">` +
    'seconds since the request started</text>' +
    `<text class="axis-title" x="16" y="${middle}" text-anchor="middle" transform="rotate(-90 16 ${middle})">MiB received</text>`
}

function line (timeline: Timeline, index: number, f: Frame): string {
  const points = timeline.points.map(([ms, bytes]) => `${f.x(ms / 1000)},${f.y(bytes / MIB)}`).join(' ')
  return `<polyline class="timeline" data-label="${escapeHtml(timeline.label)}" points="${points}" ` +
    `stroke="${colour(index)}"${dash(index)}/>`
}

function legendEntry (timeline: Timeline, index: number, f: Frame): string {
  const x = f.right + 24
  const y = f.top + 8 + index * LEGEND_ROW
  const label = [...timeline.label].length > 26 ? [...timeline.label].slice(0, 25).join('') + '…' : timeline.label
  return `<line class="legend-line" x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${colour(index)}"${dash(index)}/>` +
    `<text class="legend" x="${x + 30}" y="${y}" dy="0.35em">${escapeHtml(label)}<title>${escapeHtml(timeline.label)}</title></text>`
}

export function renderLineChart (timelines: Timeline[], { width = 1000, height = 360 }: LineChartOptions = {}): string {
  const tall = Math.max(height, TOP + 8 + timelines.length * LEGEND_ROW + BOTTOM)
  const xTicks = niceTicks(maxOf(timelines, p => p[0] / 1000), 8)
  const yTicks = niceTicks(maxOf(timelines, p => p[1] / MIB), 6)
  const right = width - RIGHT
  const bottom = tall - BOTTOM
  const f: Frame = {
    left: LEFT,
    right,
    top: TOP,
    bottom,
    x: linear(xTicks[xTicks.length - 1], LEFT, right),
    y: linear(yTicks[yTicks.length - 1], bottom, TOP)
  }
  return `<svg class="chart lines" viewBox="0 0 ${width} ${tall}" width="100%" role="img" aria-label="Throughput over time">` +
    axes(xTicks, yTicks, f) +
    timelines.map((t, i) => line(t, i, f)).join('') +
    timelines.map((t, i) => legendEntry(t, i, f)).join('') +
    '</svg>'
}
