/**
 * One card per measure: what it measures, any note, its series with every
 * run, its checks and whatever extra figures the harness kept.
 */

import { escapeHtml } from './escape-html.ts'
import { formatGoal, formatNumber, formatValue, verdict, verdictMark } from './format.ts'
import type { Check, MeasureResult, Series } from '../types.ts'

const EXTRA_MAX = 400

function seriesRow (series: Series): string {
  const runs = series.runs.length === 0 ? '—' : series.runs.map(formatNumber).join(', ')
  return `<tr><td>${escapeHtml(series.label)}</td><td class="unit">${escapeHtml(series.unit)}</td>` +
    `<td class="num strong">${formatNumber(series.median)}</td><td class="num">${formatNumber(series.min)}</td>` +
    `<td class="num">${formatNumber(series.max)}</td><td class="runs">${runs}</td></tr>`
}

function seriesTable (series: Series[]): string {
  if (series.length === 0) {
    return ''
  }
  return '<table class="series"><thead><tr><th>Series</th><th>Unit</th><th class="num">Median</th>' +
    '<th class="num">Min</th><th class="num">Max</th><th>All runs</th></tr></thead>' +
    `<tbody>${series.map(seriesRow).join('')}</tbody></table>`
}

function checkRow (check: Check): string {
  const v = verdict(check)
  const goal = formatGoal(check)
  return `<tr><td>${escapeHtml(check.label)}</td><td class="num strong">${escapeHtml(formatValue(check.value, check.unit))}</td>` +
    `<td class="num">${goal === '' ? '—' : escapeHtml(goal)}</td><td class="verdict ${v}">${verdictMark(v)}</td>` +
    `<td class="formula">${escapeHtml(check.formula)}</td></tr>`
}

function checksTable (checks: Check[]): string {
  if (checks.length === 0) {
    return ''
  }
  return '<table class="checks"><thead><tr><th>Check</th><th class="num">Value</th><th class="num">Goal</th>' +
    '<th>Met</th><th>How it is formed</th></tr></thead>' +
    `<tbody>${checks.map(checkRow).join('')}</tbody></table>`
}

function stringify (value: unknown): string {
  if (typeof value === 'string') {
    return value
  }
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // a BigInt or a cycle: the plain string form still says something
    return String(value)
  }
}

/** Extra figures are free-form; long ones are cut so one stray dump cannot swamp the page. */
function extraValue (value: unknown): string {
  const text = stringify(value)
  return text.length > EXTRA_MAX ? `${text.slice(0, EXTRA_MAX - 1)}…` : text
}

function extraList (extra: Record<string, unknown> | undefined): string {
  const entries = Object.entries(extra ?? {})
  if (entries.length === 0) {
    return ''
  }
  const items = entries.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(extraValue(value))}</dd>`)
  return `<dl class="extra">${items.join('')}</dl>`
}

export function renderMeasure (measure: MeasureResult): string {
  const note = measure.note == null || measure.note === ''
    ? ''
    : `<p class="note"><strong>${measure.status === 'ok' ? 'Note' : `Why ${measure.status}`}:</strong> ${escapeHtml(measure.note)}</p>`
  return `<section class="card measure status-${measure.status}" id="measure-${escapeHtml(measure.id)}">` +
    `<header><h3><span class="id">${escapeHtml(measure.id)}</span>${escapeHtml(measure.title)}</h3>` +
    `<span class="badge ${measure.status}">${measure.status}</span></header>` +
    `<p class="description">${escapeHtml(measure.description)}</p>` +
    note + seriesTable(measure.series) + checksTable(measure.checks) + extraList(measure.extra) +
    '</section>'
}
