/**
 * Aborts when nothing has happened for `timeoutMs`. A request is judged by
 * progress, not by total duration, so a large file that keeps streaming is
 * never cut off while a source that stalls is.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController()
  private readonly timeoutMs: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastActivity = Date.now()

  constructor (timeoutMs: number) {
    this.timeoutMs = timeoutMs
    this.arm(timeoutMs)
  }

  get signal (): AbortSignal {
    return this.controller.signal
  }

  get fired (): boolean {
    return this.controller.signal.aborted
  }

  /** Note progress; cheap enough to call for every block and chunk. */
  touch (): void {
    this.lastActivity = Date.now()
  }

  stop (): void {
    clearTimeout(this.timer)
  }

  /** End now: whatever still runs under `signal` (block fetches, wants) is cancelled. */
  abort (reason?: unknown): void {
    clearTimeout(this.timer)
    this.controller.abort(reason)
  }

  private arm (delay: number): void {
    this.timer = setTimeout(() => {
      const idle = Date.now() - this.lastActivity
      if (idle >= this.timeoutMs) {
        this.controller.abort(new DOMException(`No source made progress for ${this.timeoutMs} ms`, 'TimeoutError'))
      } else {
        this.arm(this.timeoutMs - idle)
      }
    }, delay)
  }
}
