/**
 * The shape of `bench/results/latest.json`: every measure, every run, the
 * ratios and the goals they are judged by. The HTML report and the stdout
 * table are both drawn from this and nothing else.
 */

export type MeasureId = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7' | 'P8' | 'P9' | 'P11' | 'hash' | 'forged' | 'fuzz'

/** Timings (or throughputs) of one path, one value per measured run (warm-up excluded). */
export interface Series {
  /** e.g. "Edgeway SW", "plain HTTP", "vanilla verified-fetch", "Cache API" */
  label: string
  unit: 'ms' | 'MiB/s' | 'MB'
  runs: number[]
  median: number
  min: number
  max: number
}

/** One figure judged against the goal. */
export interface Check {
  /** e.g. "vs plain HTTP" */
  label: string
  /** '×' for ratios, 'MB' for absolute memory */
  unit: '×' | 'MB'
  value: number
  goal?: number
  /** How `value` is judged against `goal` */
  op?: '>=' | '<='
  met?: boolean
  /** How the ratio is formed, e.g. "throughput Edgeway / plain HTTP" */
  formula: string
}

/** Cumulative bytes over time for one run, for the throughput-over-time plot. */
export interface Timeline {
  label: string
  /** [milliseconds since the request started, bytes received so far] */
  points: Array<[number, number]>
}

export interface MeasureResult {
  id: MeasureId
  title: string
  /** What is measured, with sizes, in one or two sentences */
  description: string
  status: 'ok' | 'skipped' | 'failed'
  /** Why it was skipped or failed, or anything a reader must know */
  note?: string
  /** Edgeway first, then the anchors it is compared with */
  series: Series[]
  checks: Check[]
  timelines?: Timeline[]
  /** Anything else measured (headers seen, block counts, bytes) */
  extra?: Record<string, unknown>
}

export interface BenchResults {
  version: 1
  quick: boolean
  startedAt: string
  finishedAt: string
  /** git commit the run was made on, when known */
  commit?: string
  machine: {
    cpus: number
    cpuModel: string
    memoryGiB: number
    node: string
    chromium: string
    platform: string
  }
  /** Runs per measure after the warm-up */
  runs: number
  measures: MeasureResult[]
}
