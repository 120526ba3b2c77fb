/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script,
 * no request of any kind) drawn from `BenchResults` alone, so it can be
 * mailed, archived or screenshotted as it is.
 */

import { renderBarChart } from './bar-chart.ts'
import { escapeHtml } from './escape-html.ts'
import { formatDate, machineLine, runLine, tally } from './format.ts'
import { renderLineChart } from './line-chart.ts'
import { renderMeasure } from './measure-section.ts'
import { REPORT_CSS } from './report-style.ts'
import type { Bar } from './bar-chart.ts'
import type { BenchResults, Check, MeasureResult } from '../types.ts'

const BAR_LEGEND = '<ul class="legend-row">' +
  '<li><span class="swatch met"></span>goal met</li>' +
  '<li><span class="swatch missed"></span>goal missed</li>' +
  '<li><span class="swatch none"></span>no goal</li>' +
  '<li><span class="swatch marker"></span>goal</li></ul>'

function barsOf (results: BenchResults, unit: Check['unit']): Bar[] {
  return results.measures.flatMap(m => m.checks.filter(c => c.unit === unit).map(check => ({ label: `${m.id} ${check.label}`, check })))
}

function find (results: BenchResults, id: MeasureResult['id']): MeasureResult | undefined {
  return results.measures.find(m => m.id === id)
}

function card (title: string, lede: string, body: string): string {
  return `<section class="card"><h2>${escapeHtml(title)}</h2><p class="lede">${escapeHtml(lede)}</p>${body}</section>`
}

function empty (text: string): string {
  return `<p class="empty">${escapeHtml(text)}</p>`
}

/** Why a measure drew nothing: missing, skipped or failed, with its note. */
function absence (measure: MeasureResult | undefined, id: string, fallback: string): string {
  if (measure == null) {
    return empty(`${id} is not in this run.`)
  }
  if (measure.status !== 'ok') {
    return empty(`${id} ${measure.status}${measure.note == null ? '.' : `: ${measure.note}`}`)
  }
  return empty(fallback)
}

function header (results: BenchResults): string {
  const quick = results.quick ? '<span class="quick-flag">quick run: indicative only</span>' : ''
  return `<header class="page"><h1>Edgeway benchmark${quick}</h1>` +
    `<p class="meta">${escapeHtml(runLine(results))}</p>` +
    `<p class="meta">${escapeHtml(machineLine(results))}</p>${summary(results)}</header>`
}

function summary (results: BenchResults): string {
  const t = tally(results)
  const pill = (cls: string, count: number, text: string): string =>
    `<div class="pill ${cls}"><span class="count">${count}</span>${text}</div>`
  return '<div class="summary">' + pill('met', t.met, 'checks met') + pill('missed', t.missed, 'missed') +
    pill('none', t.none, 'without goal') + pill('ok', t.ok, 'measures ok') + pill('skipped', t.skipped, 'skipped') +
    pill('failed', t.failed, 'failed') + '</div>'
}

function ratioChart (results: BenchResults): string {
  const bars = barsOf(results, '×')
  const body = bars.length === 0
    ? empty('No ratio checks in this run.')
    : BAR_LEGEND + renderBarChart(bars, { label: 'Ratios against the anchors' })
  return card('Edgeway against its anchors', 'Each ratio with its goal; the black line marks the goal.', body)
}

function memoryChart (results: BenchResults): string {
  const bars = barsOf(results, 'MB')
  const body = bars.length === 0
    ? absence(find(results, 'P7'), 'P7', 'No memory figures in this run.')
    : BAR_LEGEND + renderBarChart(bars, { label: 'Memory against its ceilings' })
  return card('Memory', 'Absolute figures in MB, judged against a ceiling.', body)
}

function timelineChart (results: BenchResults): string {
  const p1 = find(results, 'P1')
  const timelines = p1?.timelines ?? []
  const body = timelines.length === 0 ? absence(p1, 'P1', 'P1 recorded no timelines.') : renderLineChart(timelines)
  return card('P1 throughput over time', 'Cumulative MiB received per run; the slope is the throughput.', body)
}

function finished (results: BenchResults): string {
  return Number.isNaN(Date.parse(results.finishedAt)) ? '' : `Finished ${formatDate(results.finishedAt)} · `
}

export function renderHtml (results: BenchResults): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    `<title>Edgeway benchmark · ${escapeHtml(formatDate(results.startedAt))}</title>` +
    `<style>${REPORT_CSS}</style></head><body><main>` +
    header(results) + ratioChart(results) + memoryChart(results) + timelineChart(results) +
    '<h2 class="measures-title">Measures</h2>' + results.measures.map(renderMeasure).join('') +
    `<footer>${escapeHtml(finished(results))}drawn from bench/results/latest.json</footer>` +
    '</main></body></html>\n'
}
