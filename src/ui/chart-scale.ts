/**
 * The top of a chart's value axis: the smallest 1, 2 or 5 × a power of ten
 * (of a power of 1024 for bytes, so the label reads `2.0 MiB/s`, not
 * `2.1 MiB/s`) at or above `value`; 1 for nothing to show.
 */
export function niceCeil (value: number, { binary = false }: { binary?: boolean } = {}): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1
  const unit = binary && value >= 1024 ? 1024 ** Math.floor(Math.log(value) / Math.log(1024)) : 1
  const scaled = value / unit
  const magnitude = 10 ** Math.floor(Math.log10(scaled))
  const step = [1, 2, 5, 10].find(step => step * magnitude >= scaled * (1 - 1e-9)) ?? 10
  return step * magnitude * unit
}

/** How long ago `ms` was, for an axis: `45 s ago`, `5 min ago`. */
export function agoLabel (ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds < 90 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`
}
