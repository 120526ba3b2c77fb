import type { CID } from 'multiformats/cid'

/** Blocks remembered as missed; older ones are forgotten first. */
const MAX_REMEMBERED = 1024

/**
 * Blocks every HTTP edge answered "not here" for, so a source that only makes
 * sense after the edges failed (a tab asking other browsers) can start at
 * once instead of after a guess of a delay.
 */
export class EdgeMisses {
  private readonly missed = new Set<string>()
  private readonly waiters = new Map<string, Set<() => void>>()

  record (cid: CID): void {
    const key = keyOf(cid)
    this.missed.add(key)
    if (this.missed.size > MAX_REMEMBERED) {
      this.missed.delete(this.missed.values().next().value as string)
    }
    this.waiters.get(key)?.forEach(wake => { wake() })
    this.waiters.delete(key)
  }

  /** Resolves once the edges missed `cid`, or after `ms` (rejects if `signal` aborts first). */
  async wait (cid: CID, ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    const key = keyOf(cid)
    if (ms <= 0 || this.missed.has(key)) {
      return
    }
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.waiters.get(key)?.delete(done)
        resolve()
      }
      const onAbort = (): void => {
        done()
        reject(signal?.reason)
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', onAbort, { once: true })
      let waiting = this.waiters.get(key)
      if (waiting == null) {
        waiting = new Set()
        this.waiters.set(key, waiting)
      }
      waiting.add(done)
    })
  }
}

function keyOf (cid: CID): string {
  return cid.multihash.toString()
}
