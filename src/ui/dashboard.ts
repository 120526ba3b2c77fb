import { formatBytes } from '../lib/format-bytes.ts'
import { agoLabel } from './chart-scale.ts'
import { renderLineChart } from './line-chart.ts'
import { TRAFFIC_SOURCES, edgeSeries, sampleSeries, trafficSeries } from './live-samples.ts'
import type { ChartSeries } from './line-chart.ts'
import type { Point, Sample, TrafficSource } from './live-samples.ts'
import type { LiveStats } from './live-stats.ts'

/** The charts show at least this much time, so the first minute does not stretch a few samples across the width. */
const MIN_WINDOW_MS = 60_000

const SOURCES: Record<TrafficSource, { label: string, color: string }> = {
  edge: { label: 'edges', color: '#2356c7' },
  cache: { label: 'this browser’s cache', color: '#1e7f4f' },
  peer: { label: 'other browsers', color: '#8a3ffc' },
  served: { label: 'served to other browsers', color: '#c2410c' }
}

/** The edges' line last, on top: most bytes come from there */
const DRAW_ORDER: readonly TrafficSource[] = ['served', 'peer', 'cache', 'edge']

/** One colour per edge, in the order they are asked (cycling past the sixth). */
const EDGE_COLORS = ['#2356c7', '#c2410c', '#1e7f4f', '#8a3ffc', '#0e7490', '#a15c00']

/** The cache chart draws its budget only within this many times the most it held, so the usage stays readable */
const BUDGET_SCALE = 4

const rate = (bytesPerSecond: number): string => `${formatBytes(Math.round(bytesPerSecond))}/s`

/**
 * The page's live plots, redrawn at each of `live`'s readings (and when the
 * window is resized), from the ring of samples it holds:
 * `traffic-chart` bytes per second by source, `edge-chart` each edge's time
 * to first byte and throughput, the cache against its budget, and the
 * browsers connected. Each chart's text alternative carries the figures
 * now; the traffic chart also has the bytes it plots, by source, as
 * `data-<source>-bytes`, counted from the time in `data-since`. Returns the function that stops it.
 */
export function mountDashboard (doc: Document, live: LiveStats): () => void {
  const $ = <T extends Element>(id: string): T => doc.getElementById(id) as unknown as T
  const render = (): void => {
    const samples = live.ring.samples()
    const latest = samples.at(-1)
    if (latest == null) return
    const to = latest.at
    const from = Math.min(to - MIN_WINDOW_MS, samples[0].at)
    const span = { from, to, ago: agoLabel(to - from) }
    renderTraffic($('traffic-chart'), $('traffic-legend'), samples, span)
    renderEdges($('edge-chart'), samples, span)
    renderCache($('cache-chart'), $('cache-legend'), samples, span)
    renderPeers($('peer-chart'), $('peer-legend'), samples, span)
  }
  const stop = live.subscribe(render)
  const onResize = (): void => { render() }
  doc.defaultView?.addEventListener('resize', onResize)
  return () => {
    stop()
    doc.defaultView?.removeEventListener('resize', onResize)
  }
}

/** The time the charts show, and how long ago its start was */
interface TimeSpan { from: number, to: number, ago: string }

function renderTraffic (svg: SVGSVGElement, legend: HTMLElement, samples: readonly Sample[], span: TimeSpan): void {
  const { rates, totals, since } = trafficSeries(samples)
  const now = (source: TrafficSource): number => rates[source].at(-1)?.value ?? 0
  for (const source of TRAFFIC_SOURCES) {
    svg.dataset[`${source}Bytes`] = String(totals[source])
  }
  if (since != null) svg.dataset.since = String(since)
  renderLineChart(svg, {
    series: DRAW_ORDER.map(source => ({ id: source, color: SOURCES[source].color, points: rates[source] })),
    ...span,
    format: rate,
    binary: true,
    label: `Bytes per second by source over the last ${span.ago.replace(' ago', '')}: ` +
      TRAFFIC_SOURCES.map(source => `${SOURCES[source].label} ${formatBytes(totals[source])} in all, ${rate(now(source))} now`).join('; ')
  })
  fillLegend(legend, TRAFFIC_SOURCES.map(source => ({
    color: SOURCES[source].color,
    label: SOURCES[source].label,
    value: `${formatBytes(totals[source])}, now ${rate(now(source))}`
  })))
}

function renderEdges (figure: HTMLElement, samples: readonly Sample[], span: TimeSpan): void {
  const latency = edgeSeries(samples, 'latencyMs')
  const throughput = edgeSeries(samples, 'bytesPerSecond')
  const keys = [...latency.keys()]
  const color = (key: string): string => EDGE_COLORS[keys.indexOf(key) % EDGE_COLORS.length]
  const series = (of: Map<string, Point[]>): ChartSeries[] => keys.map(key => ({ id: key, color: color(key), points: of.get(key) ?? [] }))
  const last = (of: Map<string, Point[]>, key: string): number | undefined => of.get(key)?.findLast(point => point.value != null)?.value
  const describe = (key: string): string => {
    const ms = last(latency, key)
    const bytesPerSecond = last(throughput, key)
    return [ms == null ? 'no time to first byte yet' : `${Math.round(ms)} ms to first byte`,
      bytesPerSecond == null ? 'no throughput yet' : rate(bytesPerSecond)].join(', ')
  }
  figure.dataset.edges = String(keys.length)
  const summary = keys.length === 0 ? 'no edges' : keys.map(key => `${key}: ${describe(key)}`).join('; ')
  const [latencyChart, throughputChart] = [...figure.querySelectorAll('svg')]
  renderLineChart(latencyChart, { series: series(latency), ...span, format: ms => `${ms} ms`, label: `Time to first byte by edge (median): ${summary}` })
  renderLineChart(throughputChart, { series: series(throughput), ...span, format: rate, binary: true, label: `Throughput by edge: ${summary}` })
  fillLegend(figure.querySelector('.legend')!, keys.map(key => ({ color: color(key), label: key, value: describe(key) })))
}

function renderCache (svg: SVGSVGElement, legend: HTMLElement, samples: readonly Sample[], span: TimeSpan): void {
  const cached = sampleSeries(samples, sample => sample.cache?.cachedBytes)
  const pinned = sampleSeries(samples, sample => sample.cache?.pinnedBytes)
  const cache = samples.findLast(sample => sample.cache != null)?.cache
  const most = Math.max(0, ...cached.map(point => point.value ?? 0), ...pinned.map(point => point.value ?? 0))
  // a budget far above what is held would flatten the usage to the floor: there it is named, not drawn
  const drawable = (bytes: number | undefined): number | undefined => bytes != null && bytes <= most * BUDGET_SCALE ? bytes : undefined
  const budget = sampleSeries(samples, sample => drawable(sample.cache?.budgetBytes))
  const budgetDrawn = drawable(cache?.budgetBytes) != null
  const share = cache == null || cache.budgetBytes === 0 ? '' : ` (${(100 * cache.cachedBytes / cache.budgetBytes).toFixed(1)}%)`
  renderLineChart(svg, {
    series: [
      { id: 'cached', color: SOURCES.cache.color, points: cached },
      { id: 'pinned', color: SOURCES.peer.color, points: pinned },
      { id: 'budget', color: '#5b6476', points: budget, dashed: true }
    ],
    ...span,
    format: formatBytes,
    binary: true,
    label: cache == null ? 'Cache usage: not read yet' : `Cache usage: ${formatBytes(cache.cachedBytes)} of a ${formatBytes(cache.budgetBytes)} budget${share}, plus ${formatBytes(cache.pinnedBytes)} pinned`
  })
  fillLegend(legend, cache == null
    ? []
    : [
        { color: SOURCES.cache.color, label: 'cached', value: `${formatBytes(cache.cachedBytes)}${share}` },
        { color: SOURCES.peer.color, label: 'pinned', value: formatBytes(cache.pinnedBytes) },
        { color: '#5b6476', label: budgetDrawn ? 'budget (dashed)' : 'budget, above this scale', value: formatBytes(cache.budgetBytes) }
      ])
}

function renderPeers (svg: SVGSVGElement, legend: HTMLElement, samples: readonly Sample[], span: TimeSpan): void {
  const peers = sampleSeries(samples, sample => sample.peers)
  const now = samples.findLast(sample => sample.peers != null)?.peers
  renderLineChart(svg, {
    series: [{ id: 'peers', color: SOURCES.peer.color, points: peers }],
    ...span,
    format: String,
    empty: 'the peer has not started',
    label: now == null ? 'Browsers connected: the peer has not started' : `Browsers connected to this tab: ${now}`
  })
  fillLegend(legend, [{ color: SOURCES.peer.color, label: 'browsers connected', value: now == null ? 'not started' : String(now) }])
}

function fillLegend (legend: HTMLElement, items: Array<{ color: string, label: string, value: string }>): void {
  const doc = legend.ownerDocument
  legend.replaceChildren(...items.map(({ color, label, value }) => {
    const item = doc.createElement('li')
    const swatch = doc.createElement('span')
    swatch.className = 'swatch'
    swatch.style.backgroundColor = color
    const figure = doc.createElement('span')
    figure.className = 'figure'
    figure.textContent = value
    item.append(swatch, label, ' ', figure)
    return item
  }))
}
