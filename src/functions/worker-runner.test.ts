import { afterEach, describe, expect, it } from 'vitest'
import { WorkerFunctionRunner } from './worker-runner.ts'
import type { FunctionRequest } from './types.ts'

/**
 * A Worker that loads but never says it is ready (its script hangs on an
 * import that never comes), or says so at once: the runner's own logic, which
 * a browser drives the same way (e2e/functions.spec.ts runs the real one)
 */
class SilentWorker extends EventTarget {
  static started = 0
  static ready = false
  terminated = false

  constructor () {
    super()
    SilentWorker.started++
    if (SilentWorker.ready) {
      queueMicrotask(() => { this.dispatchEvent(new MessageEvent('message', { data: { ready: true } })) })
    }
  }

  postMessage (message: { id: number }): void {
    queueMicrotask(() => {
      this.dispatchEvent(new MessageEvent('message', { data: { id: message.id, ok: true, status: 200, headers: [], body: new Uint8Array([104, 105]), compileMs: 0, runMs: 0, warm: true } }))
    })
  }

  terminate (): void {
    this.terminated = true
  }
}

const REQUEST: FunctionRequest = { method: 'GET', url: 'http://localhost/', headers: [], body: new Uint8Array(0) }
const realWorker = globalThis.Worker

describe('WorkerFunctionRunner', () => {
  afterEach(() => {
    globalThis.Worker = realWorker
    SilentWorker.started = 0
    SilentWorker.ready = false
  })

  it('answers FunctionSandboxUnavailableError when its Worker does not load in time, and starts a fresh one for the next call', async () => {
    globalThis.Worker = SilentWorker as unknown as typeof Worker
    const runner = new WorkerFunctionRunner({ startMs: 50 })
    await expect(runner.run('cid', 'source', REQUEST)).rejects.toMatchObject({ name: 'FunctionSandboxUnavailableError', message: expect.stringContaining('did not load in 50 ms') })

    SilentWorker.ready = true
    const { response } = await runner.run('cid', 'source', REQUEST)
    expect(new TextDecoder().decode(response.body)).toBe('hi')
    expect(SilentWorker.started).toBe(2)
    await runner.close()
  })

  it('answers FunctionSandboxUnavailableError where no Worker can be started, and tries again on the next call', async () => {
    // a service worker's scope has no Worker; a page's Trusted Types policy makes the constructor throw
    globalThis.Worker = class { constructor () { throw new TypeError('This document requires \'TrustedScriptURL\' assignment.') } } as unknown as typeof Worker
    const runner = new WorkerFunctionRunner()
    await expect(runner.run('cid', 'source', REQUEST)).rejects.toMatchObject({ name: 'FunctionSandboxUnavailableError', message: expect.stringContaining('TrustedScriptURL') })
    globalThis.Worker = undefined as unknown as typeof Worker
    await expect(runner.run('cid', 'source', REQUEST)).rejects.toMatchObject({ name: 'FunctionSandboxUnavailableError' })

    SilentWorker.ready = true
    globalThis.Worker = SilentWorker as unknown as typeof Worker
    expect(new TextDecoder().decode((await runner.run('cid', 'source', REQUEST)).response.body)).toBe('hi')
    await runner.close()
  })

  it('lets a call whose signal aborts leave while its Worker loads, and the next call waits for that same Worker', async () => {
    globalThis.Worker = SilentWorker as unknown as typeof Worker
    const runner = new WorkerFunctionRunner({ startMs: 5_000 })
    await expect(runner.run('cid', 'source', REQUEST, { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ name: 'TimeoutError' })
    const next = runner.run('cid', 'source', REQUEST, { signal: AbortSignal.timeout(20) })
    await expect(next).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(SilentWorker.started).toBe(1)
    await runner.close()
  })
})
