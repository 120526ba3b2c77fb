import type { Series } from '../types.ts'

export function median (values: number[]): number {
  if (values.length === 0) {
    return Number.NaN
  }
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export function series (label: string, unit: Series['unit'], runs: number[]): Series {
  return {
    label,
    unit,
    runs: runs.map(round),
    median: round(median(runs)),
    min: round(Math.min(...runs)),
    max: round(Math.max(...runs))
  }
}

/** Three significant figures are all these machines can tell apart. */
export function round (value: number): number {
  if (!Number.isFinite(value) || value === 0) {
    return value
  }
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))))
  return Number(value.toFixed(Math.min(digits, 6)))
}

export const MiB = 1024 * 1024

export function mibPerSecond (bytes: number, ms: number): number {
  return (bytes / MiB) / (ms / 1000)
}
