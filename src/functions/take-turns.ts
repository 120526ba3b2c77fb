import { FunctionBusyError } from './errors.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Runs work one piece at a time, in the order given, with at most `maxWaiting`
 * pieces waiting behind the one running: more are refused at once with
 * `FunctionBusyError` (503) rather than held. A piece whose signal aborts
 * while it waits leaves at once, its place freed (it is skipped when its turn
 * comes). A browser's function sandbox answers its page's calls this way.
 */
export class TakeTurns {
  private readonly maxWaiting: number
  private turn: Promise<unknown> = Promise.resolve()
  /** Pieces given and not yet settled or given up: the one running and those waiting */
  private held = 0

  constructor (maxWaiting: number) {
    this.maxWaiting = maxWaiting
  }

  async run <T> (work: () => Promise<T>, options: AbortOptions = {}): Promise<T> {
    const { signal } = options
    signal?.throwIfAborted()
    if (this.held > this.maxWaiting) {
      throw new FunctionBusyError(`the sandbox is busy and ${this.maxWaiting} calls are waiting; try again shortly`)
    }
    this.held++
    let counted = true
    const release = (): void => {
      if (counted) this.held--
      counted = false
    }
    let started = false
    const done = this.turn.then(async () => {
      // given up while waiting: skipped, so the next one need not wait for it
      signal?.throwIfAborted()
      started = true
      return work()
    }).finally(release)
    this.turn = done.catch(() => {})
    if (signal == null) return done

    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (started) return
        release()
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      done.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }
}
