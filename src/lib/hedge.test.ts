import { describe, expect, it } from 'vitest'
import { HedgeFailedError, OutpacedError, hedge } from './hedge.ts'

/** An attempt that answers `value` after `ms` (never when `ms` is Infinity), or fails; it records how it ended. */
function source (ms: number, value: string, log: string[], fail = false) {
  return async (signal: AbortSignal): Promise<string> => {
    log.push(`start ${value}`)
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => { fail ? reject(new Error(`${value} failed`)) : resolve(value) }, ms) : undefined
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        log.push(`abort ${value} ${signal.reason instanceof OutpacedError ? 'outpaced' : 'caller'}`)
        reject(signal.reason)
      })
    })
  }
}

describe('hedge', () => {
  it('takes the first answer alone when it comes within its delay', async () => {
    const log: string[] = []
    const sources = { a: source(5, 'a', log), b: source(5, 'b', log) }
    const win = await hedge(['a', 'b'] as const, async (key, signal) => sources[key](signal), { delayMs: () => 200 })
    expect(win).toEqual({ value: 'a', candidate: 'a' })
    expect(log).toEqual(['start a'])
  })

  it('asks the next source when the first stalls past its delay, and aborts the stalled one', async () => {
    const log: string[] = []
    const sources = { a: source(Infinity, 'a', log), b: source(5, 'b', log), c: source(5, 'c', log) }
    const win = await hedge(['a', 'b', 'c'] as const, async (key, signal) => sources[key](signal), { delayMs: key => key === 'a' ? 20 : 500 })
    expect(win.value).toBe('b')
    expect(log).toEqual(['start a', 'start b', 'abort a outpaced'])
  })

  it('does not ask the next source when the first has answered and its body is still coming', async () => {
    const log: string[] = []
    const win = await hedge(['a', 'b'] as const, async (key, signal, answered) => {
      log.push(`start ${key}`)
      answered()
      await new Promise(resolve => setTimeout(resolve, 60))
      return key
    }, { delayMs: () => 10 })
    expect(win.value).toBe('a')
    expect(log).toEqual(['start a'])
  })

  it('asks the next source at once when one fails, without waiting its delay', async () => {
    const log: string[] = []
    const sources = { a: source(1, 'a', log, true), b: source(1, 'b', log) }
    const win = await hedge(['a', 'b'] as const, async (key, signal) => sources[key](signal), { delayMs: () => 60_000 })
    expect(win.value).toBe('b')
  })

  it('fails with every error when every source fails', async () => {
    const log: string[] = []
    const sources = { a: source(1, 'a', log, true), b: source(1, 'b', log, true) }
    const err = await hedge(['a', 'b'] as const, async (key, signal) => sources[key](signal), { delayMs: () => 60_000 }).catch(e => e)
    expect(err).toBeInstanceOf(HedgeFailedError)
    expect((err as HedgeFailedError).errors.map(e => (e as Error).message)).toEqual(['a failed', 'b failed'])
  })

  it('aborts every attempt with the caller\'s signal', async () => {
    const log: string[] = []
    const sources = { a: source(Infinity, 'a', log), b: source(Infinity, 'b', log) }
    const caller = new AbortController()
    const pending = hedge(['a', 'b'] as const, async (key, signal) => sources[key](signal), { delayMs: () => 5, signal: caller.signal })
    await new Promise(resolve => setTimeout(resolve, 30))
    caller.abort(new Error('gone'))
    await expect(pending).rejects.toThrow('gone')
    expect(log).toEqual(['start a', 'start b', 'abort a caller', 'abort b caller'])
  })
})
