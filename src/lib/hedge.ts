import type { AbortOptions } from '@libp2p/interface'

/** The reason a hedged attempt is aborted with when another attempt won. */
export class OutpacedError extends Error {
  static name = 'OutpacedError'
  name = 'OutpacedError'
}

/** Every attempt failed; `errors` in the order the candidates were given. */
export class HedgeFailedError extends Error {
  static name = 'HedgeFailedError'
  name = 'HedgeFailedError'
  readonly errors: unknown[]

  constructor (message: string, errors: unknown[]) {
    super(message)
    this.errors = errors
  }
}

export interface HedgeOptions<C> extends AbortOptions {
  /** How long `candidate` is given alone before the next candidate is asked too */
  delayMs(candidate: C): number
}

export interface HedgeWin<C, T> {
  value: T
  candidate: C
}

/**
 * Asks `candidates` in order, each after the one before it had its delay
 * without an answer, or at once when it failed. An attempt that calls
 * `answered` (its edge sent response headers: it is there, its body is
 * coming) holds the next one back: the delay is about time to first byte,
 * and a body that takes its time is no reason to ask again. The first attempt to resolve
 * wins; the others are aborted (their signal's reason is an OutpacedError,
 * so they can tell losing from failing). An attempt's signal stays open after
 * it wins: it also aborts when `options.signal` does, so a winner that
 * returns a stream ends with the caller's signal.
 */
export async function hedge<C, T> (candidates: readonly C[], attempt: (candidate: C, signal: AbortSignal, answered: () => void) => Promise<T>, options: HedgeOptions<C>): Promise<HedgeWin<C, T>> {
  options.signal?.throwIfAborted()
  if (candidates.length === 0) {
    throw new HedgeFailedError('No candidates to ask', [])
  }
  const controllers: AbortController[] = []
  const errors: unknown[] = new Array(candidates.length)
  let settled = false
  let failed = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  return new Promise<HedgeWin<C, T>>((resolve, reject) => {
    const finish = (): void => {
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      finish()
      controllers.forEach(c => { c.abort(options.signal?.reason) })
      reject(options.signal?.reason)
    }
    const start = (index: number): void => {
      clearTimeout(timer)
      if (settled || index >= candidates.length || controllers[index] != null) {
        return
      }
      const controller = new AbortController()
      controllers[index] = controller
      const candidate = candidates[index]
      const signal = options.signal == null ? controller.signal : AbortSignal.any([controller.signal, options.signal])
      if (index + 1 < candidates.length) {
        timer = setTimeout(() => { start(index + 1) }, options.delayMs(candidate))
      }
      const answered = (): void => {
        // only the newest attempt's timer is pending; an older one answering late changes nothing
        if (index === controllers.length - 1) clearTimeout(timer)
      }
      attempt(candidate, signal, answered).then(value => {
        if (settled) {
          return
        }
        finish()
        controllers.forEach((c, i) => { if (i !== index) c.abort(new OutpacedError('another source answered first')) })
        resolve({ value, candidate })
      }, err => {
        if (settled) {
          return
        }
        errors[index] = err
        failed++
        if (failed === candidates.length) {
          finish()
          reject(new HedgeFailedError(`All ${candidates.length} sources failed`, errors))
          return
        }
        // the next one in line need not wait out this one's delay: this one will never answer
        if (index === controllers.length - 1) {
          start(index + 1)
        }
      })
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    start(0)
  })
}
