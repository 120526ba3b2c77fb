import { describe, expect, it } from 'vitest'
import { axisEnd } from './bar-chart.ts'
import { formatNumber, verdict } from './format.ts'
import { renderHtml } from './html.ts'
import { niceTicks } from './scale.ts'
import { renderTable } from './table.ts'
import type { BenchResults, Check, MeasureResult, Series, Timeline } from '../types.ts'

const MIB = 1024 * 1024

function series (label: string, unit: Series['unit'], runs: number[]): Series {
  const sorted = [...runs].sort((a, b) => a - b)
  return { label, unit, runs, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] }
}

/** A steady download of `mib` MiB at `rate` MiB/s, sampled every 100 ms. */
function timeline (label: string, mib: number, rate: number): Timeline {
  const points: Array<[number, number]> = []
  for (let ms = 0; ms / 1000 * rate < mib; ms += 100) {
    points.push([ms, Math.round(ms / 1000 * rate * MIB)])
  }
  points.push([Math.ceil(mib / rate * 1000), mib * MIB])
  return { label, points }
}

function measure (m: Partial<MeasureResult> & Pick<MeasureResult, 'id' | 'title'>): MeasureResult {
  return { description: `${m.title}, measured.`, status: 'ok', series: [], checks: [], ...m }
}

const p1: MeasureResult = measure({
  id: 'P1',
  title: 'Large file throughput (64 MiB)',
  description: 'One 64 MiB file through the SW, against the same bytes from the edge over plain HTTP.',
  series: [series('Edgeway SW', 'MiB/s', [212, 230, 224, 219, 241]), series('plain HTTP', 'MiB/s', [301, 296, 310, 288, 305])],
  checks: [{ label: 'vs plain HTTP', unit: '×', value: 0.74, goal: 0.8, op: '>=', met: false, formula: 'throughput Edgeway / plain HTTP' }],
  timelines: [timeline('Edgeway SW run 1', 64, 220), timeline('plain HTTP run 1', 64, 300)]
})

const sample: BenchResults = {
  version: 1,
  quick: false,
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:04:12.000Z',
  commit: '09e1fd3c0ffee',
  machine: {
    cpus: 8, cpuModel: 'AMD EPYC 7B13', memoryGiB: 31.3, node: 'v22.12.0', chromium: '138.0.7204.49', platform: 'linux x64'
  },
  runs: 5,
  measures: [
    p1,
    measure({
      id: 'P2',
      title: 'Time to first byte',
      series: [series('Edgeway SW', 'ms', [41, 38, 44, 40, 39]), series('plain HTTP', 'ms', [12, 11, 13, 12, 12])],
      checks: [{ label: 'vs plain HTTP', unit: '×', value: 3.3, goal: 5, op: '<=', met: true, formula: 'TTFB Edgeway / plain HTTP' }]
    }),
    measure({
      id: 'P5',
      title: 'Against vanilla verified-fetch',
      series: [series('Edgeway SW', 'ms', [120, 118, 125]), series('vanilla verified-fetch', 'ms', [240, 236, 251])],
      checks: [{ label: 'vs verified-fetch', unit: '×', value: 2, formula: 'time verified-fetch / Edgeway' }]
    }),
    measure({ id: 'P6', title: 'Relay fallback', status: 'skipped', note: 'needs a relay; <script>alert(1)</script> & more' }),
    measure({
      id: 'P7',
      title: 'SW memory',
      series: [series('SW heap', 'MB', [38, 41, 40])],
      checks: [{ label: 'peak SW heap', unit: 'MB', value: 41, goal: 64, op: '<=', met: true, formula: 'max heap over the run' }],
      extra: { gcRuns: 3, heapSnapshot: { used: 41, total: 64 } }
    }),
    measure({ id: 'P8', title: 'Cold start', status: 'failed', note: 'edge did not start within 30 s' })
  ]
}

function xCheck (label: string, value: number, goal?: number): Check {
  return { label, unit: '×', value, goal, op: goal == null ? undefined : '>=', formula: 'a / b' }
}

describe('format', () => {
  it('judges a check by `met`, else by `op`, and not at all without a goal', () => {
    expect(verdict(xCheck('a', 0.9, 0.8))).toBe('met')
    expect(verdict(xCheck('a', 0.7, 0.8))).toBe('missed')
    expect(verdict(xCheck('a', 0.7))).toBe('none')
    expect(verdict({ ...xCheck('a', 0.7, 0.8), met: true })).toBe('met')
    expect(verdict({ label: 'm', unit: 'MB', value: 70, goal: 64, formula: '' })).toBe('missed')
  })

  it('prints zeros, huge values and non-numbers sensibly', () => {
    expect(formatNumber(0)).toBe('0.00')
    expect(formatNumber(0.742)).toBe('0.74')
    expect(formatNumber(12345.6)).toBe('12,346')
    expect(formatNumber(3.2e12)).toBe('3.20e+12')
    expect(formatNumber(Number.NaN)).toBe('—')
  })

  it('ends an axis on a round value at or above the maximum', () => {
    expect(niceTicks(0.93)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(0)).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(niceTicks(64).at(-1)).toBeGreaterThanOrEqual(64)
  })

  it('cuts one outlier rather than flatten every other bar', () => {
    expect(axisEnd([xCheck('a', 0.9, 0.8), xCheck('b', 1.2, 1), xCheck('c', 10_000)])).toBeCloseTo(4.8)
    expect(axisEnd([xCheck('a', 0.9, 0.8), xCheck('b', 1.2, 1)])).toBe(1.2)
  })
})

describe('renderHtml', () => {
  const html = renderHtml(sample)

  it('is one page with no script, no external resource and inline SVG', () => {
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<h1>Edgeway benchmark')
    expect(html).toContain('<svg')
    expect(html).not.toMatch(/<script|<link|\bsrc=|url\(|https?:/i)
  })

  it('draws one bar per × check, coloured by verdict, with the goal markers', () => {
    const bars = [...html.matchAll(/<rect class="bar (\w+)" data-check="([^"]*)"/g)].map(m => [m[2], m[1]])
    expect(bars).toEqual([
      ['P1 vs plain HTTP', 'missed'],
      ['P2 vs plain HTTP', 'met'],
      ['P5 vs verified-fetch', 'none'],
      ['P7 peak SW heap', 'met']
    ])
    // P1, P2 and P7 have goals; P5 has none
    expect(html.match(/<line class="goal"/g)).toHaveLength(3)
    expect(html).toContain('goal ≥ 0.80×')
    expect(html).toContain('goal ≤ 64.0 MB')
  })

  it('escapes text from the results', () => {
    expect(html).not.toContain('<script>alert(1)</script>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more')
  })

  it('plots every point of every P1 timeline, with a legend', () => {
    const lines = [...html.matchAll(/<polyline class="timeline" data-label="([^"]*)" points="([^"]*)"/g)]
    expect(lines.map(m => m[1])).toEqual(p1.timelines?.map(t => t.label))
    lines.forEach((m, i) => {
      expect(m[2].split(' ')).toHaveLength(p1.timelines?.[i].points.length ?? -1)
    })
    expect(html).toContain('>plain HTTP run 1<')
  })

  it('shows every measure with its series and runs, skipped and failed ones with their note', () => {
    for (const m of sample.measures) {
      expect(html).toContain(`id="measure-${m.id}"`)
    }
    expect(html).toContain('class="card measure status-skipped"')
    expect(html).toContain('class="card measure status-failed"')
    expect(html).toContain('edge did not start within 30 s')
    expect(html).toContain('212, 230, 224, 219, 241')
    expect(html).toContain('{&quot;used&quot;:41,&quot;total&quot;:64}')
  })

  it('says why a chart is empty instead of drawing nothing', () => {
    const bare: BenchResults = {
      ...sample,
      measures: [{ ...p1, timelines: undefined, checks: [] }, measure({ id: 'P7', title: 'SW memory', status: 'skipped', note: 'no CDP' })]
    }
    const page = renderHtml(bare)
    expect(page).not.toContain('<svg')
    expect(page).toContain('No ratio checks in this run.')
    expect(page).toContain('P7 skipped: no CDP')
    expect(page).toContain('P1 recorded no timelines.')
  })

  it('survives zeros, huge values and non-numbers', () => {
    const odd = measure({
      id: 'P3',
      title: 'Odd',
      checks: [xCheck('zero', 0, 1), xCheck('huge', 1e15, 1), xCheck('nan', Number.NaN, 1)],
      timelines: [{ label: 'flat', points: [[0, 0], [0, 0]] }]
    })
    const page = renderHtml({ ...sample, measures: [{ ...odd, id: 'P1' }] })
    expect(page).not.toMatch(/NaN|Infinity/)
    expect(page).toContain('1.00e+15×')
    expect(page).toContain('class="cut"')
  })
})

describe('renderTable', () => {
  const table = renderTable(sample)
  const lines = table.split('\n')

  it('fits a 120-column terminal', () => {
    for (const line of lines) {
      expect([...line].length, line).toBeLessThanOrEqual(120)
    }
  })

  it('heads with the machine, the quick flag and the run count', () => {
    expect(lines[0]).toContain('full run')
    expect(lines[0]).toContain('5 runs per measure')
    expect(lines[0]).toContain('commit 09e1fd3c0ffe')
    expect(lines[1]).toContain('8 × AMD EPYC 7B13')
  })

  it('has every measure id, series and status', () => {
    for (const m of sample.measures) {
      expect(lines.some(l => l.startsWith(`${m.id} `)), m.id).toBe(true)
    }
    expect(table).toMatch(/Edgeway SW\s+224 \(212–241\) MiB\/s/)
    expect(table).toMatch(/^P6 .*\[SKIPPED\]$/m)
    expect(table).toMatch(/^P8 .*\[FAILED\]$/m)
    expect(table).toContain('note: edge did not start within 30 s')
  })

  it('marks each check ✓, ✗ or — by its verdict', () => {
    const checkLines = lines.filter(l => /^ {6}[✓✗—] /.test(l)).map(l => l.trim().replace(/\s{2,}/g, ' | '))
    expect(checkLines).toEqual([
      '✗ vs plain HTTP | 0.74× | ≥ 0.80× | throughput Edgeway / plain HTTP',
      '✓ vs plain HTTP | 3.30× | ≤ 5.00× | TTFB Edgeway / plain HTTP',
      '— vs verified-fetch | 2.00× | no goal | time verified-fetch / Edgeway',
      '✓ peak SW heap | 41.0 MB | ≤ 64.0 MB | max heap over the run'
    ])
    expect(lines.at(-2)).toBe('Checks: 2 ✓ met, 1 ✗ missed, 1 — without goal · Measures: 4 ok, 1 skipped, 1 failed')
  })
})
