/**
 * Axis arithmetic shared by the charts: round steps (1, 2, 2.5, 5 × 10ⁿ) and
 * a linear map from data to pixels.
 */

function niceStep (raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
  return nice * power
}

/**
 * Ticks from 0 up to the first round value at or above `max`; the last tick is
 * the axis end. A max of 0 (or anything unusable) gives the axis 0–1.
 */
export function niceTicks (max: number, count = 5): number[] {
  if (!Number.isFinite(max) || max <= 0) {
    return [0, 0.25, 0.5, 0.75, 1]
  }
  const step = niceStep(max / count)
  const steps = Math.max(Math.ceil(max / step - 1e-9), 1)
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)))
}

/** Maps [0, domainMax] onto [from, to], clamping outside values to the ends. */
export function linear (domainMax: number, from: number, to: number): (value: number) => number {
  return value => {
    const t = Number.isFinite(value) ? Math.min(Math.max(value / domainMax, 0), 1) : 0
    return round(from + t * (to - from))
  }
}

/** SVG coordinates to a tenth of a pixel keep the page small and the lines crisp enough. */
export function round (n: number): number {
  return Math.round(n * 10) / 10
}
