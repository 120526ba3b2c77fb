import { FunctionBusyError } from './errors.ts'

/**
 * Runs work one piece at a time, in the order given, with at most `maxWaiting`
 * pieces waiting behind the one running: more are refused at once with
 * `FunctionBusyError` (503) rather than held. A browser's function sandbox
 * answers its page's calls this way.
 */
export class TakeTurns {
  private readonly maxWaiting: number
  private turn: Promise<unknown> = Promise.resolve()
  /** Pieces given and not yet settled: the one running and those waiting */
  private held = 0

  constructor (maxWaiting: number) {
    this.maxWaiting = maxWaiting
  }

  async run <T> (work: () => Promise<T>): Promise<T> {
    if (this.held > this.maxWaiting) {
      throw new FunctionBusyError(`the sandbox is busy and ${this.maxWaiting} calls are waiting; try again shortly`)
    }
    this.held++
    const result = this.turn.then(work).finally(() => { this.held-- })
    this.turn = result.catch(() => {})
    return result
  }
}
