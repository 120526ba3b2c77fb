import { agoLabel, niceCeil } from './chart-scale.ts'
import type { Point } from './live-samples.ts'

const SVG = 'http://www.w3.org/2000/svg'

export interface ChartSeries {
  /** On the series' path as `data-series` */
  id: string
  color: string
  points: Point[]
  /** A limit drawn as a dashed line (a budget), not a measurement */
  dashed?: boolean
}

export interface LineChartOptions {
  series: ChartSeries[]
  /** The time span shown, ms since the epoch; `to` is now */
  from: number
  to: number
  /** Writes a value for the axis */
  format: (value: number) => string
  /** The value axis in binary steps (bytes) */
  binary?: boolean
  /** The text alternative: what the chart shows, with the current figures */
  label: string
  /**
   * Said in the plot while no series has a value
   *
   * @default 'nothing measured yet'
   */
  empty?: string
}

/** Height of every chart, px; the width is the element's own. */
const HEIGHT = 120
const TOP = 16
const BOTTOM = 18
/** When the element has no layout yet */
const FALLBACK_WIDTH = 320

/**
 * Draws `series` into `svg` as lines over time, at the element's own width
 * (no scaling, so strokes and text stay crisp at any screen width). A gap
 * in a series (a point without a value) breaks its line; a lone point is a
 * dot. The value axis starts at zero and ends at a round number above the
 * largest value. Everything drawn before is replaced.
 */
export function renderLineChart (svg: SVGSVGElement, options: LineChartOptions): void {
  const width = Math.round(svg.getBoundingClientRect().width) || FALLBACK_WIDTH
  const top = niceCeil(Math.max(0, ...options.series.flatMap(s => s.points.map(p => p.value ?? 0))), { binary: options.binary })
  const span = Math.max(1, options.to - options.from)
  const x = (at: number): number => ((at - options.from) / span) * width
  const y = (value: number): number => TOP + (1 - value / top) * (HEIGHT - TOP - BOTTOM)

  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`)
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', options.label)
  const title = element('title')
  title.textContent = options.label

  const grid = element('g', { class: 'chart-grid' })
  for (const value of [0, top / 2, top]) {
    grid.append(element('line', { x1: 0, x2: width, y1: y(value), y2: y(value) }))
  }
  const axis = element('g', { class: 'chart-axis' })
  axis.append(text(agoLabel(span), 2, HEIGHT - 4, 'start'), text('now', width - 2, HEIGHT - 4, 'end'))
  const measured = options.series.some(series => series.points.some(point => point.value != null))
  axis.append(measured
    ? text(options.format(top), 2, y(top) - 4, 'start')
    : text(options.empty ?? 'nothing measured yet', width / 2, (TOP + HEIGHT - BOTTOM) / 2 + 4, 'middle'))
  const lines = options.series.map(series => element('path', {
    d: pathOf(series.points, x, y),
    stroke: series.color,
    'data-series': series.id,
    class: series.dashed === true ? 'chart-line chart-limit' : 'chart-line'
  }))
  svg.replaceChildren(title, grid, axis, ...lines)
}

/** `M x y L x y …`, a new subpath after each gap; a lone point is a zero-length line (drawn as a dot by its round cap). */
function pathOf (points: Point[], x: (at: number) => number, y: (value: number) => number): string {
  let d = ''
  let drawing = false
  for (const point of points) {
    if (point.value == null) {
      drawing = false
      continue
    }
    const at = `${x(point.at).toFixed(1)} ${y(point.value).toFixed(1)}`
    d += drawing ? ` L ${at}` : ` M ${at} L ${at}`
    drawing = true
  }
  return d.trim()
}

function text (content: string, x: number, y: number, anchor: 'start' | 'middle' | 'end'): SVGTextElement {
  const node = element('text', { x, y, 'text-anchor': anchor })
  node.textContent = content
  return node
}

function element<K extends keyof SVGElementTagNameMap> (name: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, String(value))
  }
  return node
}
