import { formatBytes } from '../../lib/format-bytes.ts'

/**
 * Bytes received so far and the rate they come at, for people: the rate
 * over the last few seconds (a peer that slows down shows at once), from the
 * first byte on.
 */
export class FetchMeter {
  private total = 0
  /** (time, total) samples, oldest first, at most `WINDOW_MS` old */
  private readonly samples: Array<{ at: number, total: number }> = []

  add (bytes: number, now = performance.now()): void {
    this.total += bytes
    this.samples.push({ at: now, total: this.total })
    while (this.samples.length > 2 && now - this.samples[0].at > WINDOW_MS) {
      this.samples.shift()
    }
  }

  get bytes (): number {
    return this.total
  }

  /** Bytes per second over the window; 0 until two samples are apart */
  rate (): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (first == null || last == null || last.at - first.at < MIN_SPAN_MS) {
      return 0
    }
    return (last.total - first.total) / ((last.at - first.at) / 1000)
  }

  /** `1.5 MiB so far, 3.0 MiB/s` */
  describe (): string {
    const rate = this.rate()
    return `${formatBytes(this.total)} so far${rate > 0 ? `, ${formatBytes(Math.round(rate))}/s` : ''}`
  }
}

/** The rate is measured over this much recent time */
const WINDOW_MS = 3_000
/** Below this span a rate means nothing (one chunk can arrive in a burst) */
const MIN_SPAN_MS = 200
