import { describe, expect, it } from 'vitest'
import { IdleWatchdog } from './idle-watchdog.ts'

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('IdleWatchdog', () => {
  it('fires after the timeout with no progress, as a TimeoutError', async () => {
    const watchdog = new IdleWatchdog(30)
    await sleep(80)
    expect(watchdog.fired).toBe(true)
    expect((watchdog.signal.reason as Error).name).toBe('TimeoutError')
  })

  it('does not fire while progress keeps coming', async () => {
    const watchdog = new IdleWatchdog(250)
    for (let i = 0; i < 16; i++) {
      await sleep(25)
      watchdog.touch()
    }
    expect(watchdog.fired).toBe(false)
    watchdog.stop()
  })

  it('can be stopped, and aborted on purpose', async () => {
    const stopped = new IdleWatchdog(20)
    stopped.stop()
    await sleep(50)
    expect(stopped.fired).toBe(false)
    const aborted = new IdleWatchdog(10_000)
    aborted.abort(new Error('reader went away'))
    expect(aborted.fired).toBe(true)
  })
})
