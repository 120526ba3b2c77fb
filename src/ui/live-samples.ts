import type { BlockSource } from '../lib/types.ts'

/** Where the page's plotted bytes come from: the SW's sources, and what this tab's peer served to others. */
export type TrafficSource = BlockSource | 'served'

export const TRAFFIC_SOURCES: readonly TrafficSource[] = ['cache', 'edge', 'peer', 'served']

/** One second of the page's view: running totals and the measurements in force at `at`. */
export interface Sample {
  /** ms since the epoch */
  at: number
  /**
   * Running byte totals by source; undefined while no SW answers. The SW's
   * count from its start (`swStartedAt`), this tab's `served` from its load.
   */
  bytes?: Record<TrafficSource, number>
  /** When the SW instance that counted `bytes` started: a later time means its totals began again at zero */
  swStartedAt?: number
  /** Each edge's measurements, in the order they are asked */
  edges: EdgeSample[]
  cache?: { cachedBytes: number, pinnedBytes: number, budgetBytes: number }
  /** Other browsers connected to this tab's peer; undefined while it has not started */
  peers?: number
}

export interface EdgeSample {
  key: string
  /** Median time to first byte, ms */
  latencyMs?: number
  bytesPerSecond?: number
}

/** A point of a plotted series; `value` undefined is a gap (nothing measured then). */
export interface Point {
  at: number
  value?: number
}

/** Samples the page keeps: five minutes at one a second. */
export const MAX_SAMPLES = 300

/** The newest `capacity` samples, oldest first; older ones are dropped as new ones come. */
export class SampleRing {
  private readonly kept: Sample[] = []
  readonly capacity: number

  constructor (capacity = MAX_SAMPLES) {
    this.capacity = capacity
  }

  push (sample: Sample): void {
    this.kept.push(sample)
    if (this.kept.length > this.capacity) {
      this.kept.splice(0, this.kept.length - this.capacity)
    }
  }

  samples (): readonly Sample[] {
    return this.kept
  }

  latest (): Sample | undefined {
    return this.kept.at(-1)
  }
}

export interface TrafficSeries {
  /** Bytes per second over each interval between two samples, by source */
  rates: Record<TrafficSource, Point[]>
  /** Bytes moved within the samples' span, by source */
  totals: Record<TrafficSource, number>
  /** When the first totals in the samples were read: `totals` counts from then; undefined without any */
  since?: number
}

/**
 * Bytes per second by source between consecutive samples. A SW that
 * restarted counts from zero again: what it reports then is what moved
 * since, never a negative rate. An interval with no totals on either side
 * is a gap.
 */
export function trafficSeries (samples: readonly Sample[]): TrafficSeries {
  const rates = bySource((): Point[] => [])
  const totals = bySource(() => 0)
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]
    const after = samples[i]
    const seconds = (after.at - before.at) / 1000
    for (const source of TRAFFIC_SOURCES) {
      const moved = movedBetween(before, after, source)
      if (moved == null || seconds <= 0) {
        rates[source].push({ at: after.at })
        continue
      }
      rates[source].push({ at: after.at, value: moved / seconds })
      totals[source] += moved
    }
  }
  return { rates, totals, since: samples.find(sample => sample.bytes != null)?.at }
}

function movedBetween (before: Sample, after: Sample, source: TrafficSource): number | undefined {
  const now = after.bytes?.[source]
  if (now == null) return undefined
  const then = before.bytes?.[source]
  // the first totals seen are the baseline: what they counted moved before this page looked
  if (then == null) return 0
  const restarted = source !== 'served' && before.swStartedAt != null && after.swStartedAt != null && before.swStartedAt !== after.swStartedAt
  // a counter that began again: only its own count is known to have moved since
  return restarted || now < then ? now : now - then
}

/** One series per edge seen in the samples (in first-seen order), of `measure`; gaps where an edge was absent or unmeasured. */
export function edgeSeries (samples: readonly Sample[], measure: 'latencyMs' | 'bytesPerSecond'): Map<string, Point[]> {
  const series = new Map<string, Point[]>()
  for (const sample of samples) {
    for (const edge of sample.edges) {
      if (!series.has(edge.key)) series.set(edge.key, [])
    }
  }
  for (const sample of samples) {
    for (const [key, points] of series) {
      points.push({ at: sample.at, value: sample.edges.find(edge => edge.key === key)?.[measure] })
    }
  }
  return series
}

/** A series of one number each sample holds (or not). */
export function sampleSeries (samples: readonly Sample[], read: (sample: Sample) => number | undefined): Point[] {
  return samples.map(sample => ({ at: sample.at, value: read(sample) }))
}

function bySource<T> (make: () => T): Record<TrafficSource, T> {
  return { cache: make(), edge: make(), peer: make(), served: make() }
}
