/// <reference path="./worker-url.d.ts" />
import { raceSignal } from 'race-signal'
import { FUNCTION_LIMITS } from './defaults.ts'
import { FunctionSandboxUnavailableError, FunctionTimeoutError } from './errors.ts'
import { sandboxCall } from './sandbox-call.ts'
import { TakeTurns } from './take-turns.ts'
import { callMessage, replyError, replyResult } from './worker-protocol.ts'
import sandboxWorkerUrl from './sandbox-worker.ts?worker&url'
import type { FunctionRequest, FunctionResult, FunctionRunner } from './types.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from './worker-protocol.ts'
import type { AbortOptions } from '@libp2p/interface'

/** How far past its deadlines a call may run before its worker is ended */
const GRACE_MS = 1_000
/** Calls a page may have waiting for its sandbox; more are answered 503 */
const MAX_WAITING = 64
/**
 * How long the Worker may take to load QuickJS (its script is ~700 kB, fetched
 * with the first local run: several seconds on a slow link) before the call
 * is answered 503 and the next one tries a fresh Worker
 */
export const WORKER_START_MS = 30_000

export interface WorkerFunctionRunnerInit {
  /**
   * How long the Worker may take to say it is ready
   *
   * @default WORKER_START_MS
   */
  startMs?: number
}

/**
 * Runs functions in one dedicated browser Worker (QuickJS loads there, not in
 * the page), one call at a time, the others (at most `MAX_WAITING`) waiting
 * their turn. A call that
 * overruns its deadlines (the interrupt handler cannot stop one long
 * built-in) ends the worker; the next call starts a fresh one.
 */
export class WorkerFunctionRunner implements FunctionRunner {
  private worker?: { worker: Worker, ready: Promise<void> }
  private readonly turns = new TakeTurns(MAX_WAITING)
  private readonly startMs: number
  private nextId = 0

  constructor ({ startMs = WORKER_START_MS }: WorkerFunctionRunnerInit = {}) {
    this.startMs = startMs
  }

  async run (cid: string, source: string, request: FunctionRequest, options: AbortOptions = {}): Promise<FunctionResult> {
    options.signal?.throwIfAborted()
    const call = callMessage(this.nextId++, cid, source, sandboxCall(request, FUNCTION_LIMITS))
    return this.turns.run(async () => this.call(call, options), options)
  }

  async close (): Promise<void> {
    this.worker?.worker.terminate()
    this.worker = undefined
  }

  private async call ({ message, transfer }: { message: FunctionCallMessage, transfer: ArrayBuffer[] }, options: AbortOptions): Promise<FunctionResult> {
    options.signal?.throwIfAborted()
    const { worker, ready } = this.start()
    // a caller that gives up leaves a Worker still loading to the next call
    await raceSignal(ready.catch(async (err) => {
      if (this.worker?.worker === worker) await this.close()
      throw err
    }), options.signal)
    return new Promise<FunctionResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.close()
        reject(new FunctionTimeoutError(`the function ran over its ${FUNCTION_LIMITS.timeoutMs} ms time limit`))
      }, 2 * FUNCTION_LIMITS.timeoutMs + GRACE_MS)
      const onMessage = (event: MessageEvent<FunctionReplyMessage>): void => {
        const reply = event.data
        if (!('id' in reply) || reply.id !== message.id) return
        clearTimeout(timer)
        worker.removeEventListener('message', onMessage)
        if (reply.ok) resolve(replyResult(reply))
        else reject(replyError(reply))
      }
      worker.addEventListener('message', onMessage)
      worker.postMessage(message, transfer)
    })
  }

  private start (): { worker: Worker, ready: Promise<void> } {
    if (this.worker != null) return this.worker
    let script: string
    let worker: Worker
    try {
      script = workerScript()
      worker = new Worker(script, { type: 'module', name: 'edgeway-functions' })
    } catch (err: any) {
      // no Worker here (a service worker's scope), or one the page may not start (a Trusted Types policy): the same
      // answer as a worker that fails to load; the next call tries again
      throw new FunctionSandboxUnavailableError(`the browser's function sandbox could not start: ${String(err?.message ?? err)}`)
    }
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new FunctionSandboxUnavailableError(`the browser's function sandbox could not start: its Worker did not load in ${this.startMs} ms`))
      }, this.startMs)
      const onMessage = (event: MessageEvent<FunctionReplyMessage>): void => {
        if ('ready' in event.data) {
          clearTimeout(timer)
          worker.removeEventListener('message', onMessage)
          resolve()
        }
      }
      worker.addEventListener('message', onMessage)
      worker.addEventListener('error', (event) => {
        clearTimeout(timer)
        // a script that failed to load has no message to give
        reject(new FunctionSandboxUnavailableError(`the browser's function sandbox could not start: its Worker failed to load${event.message == null || event.message === '' ? '' : ` (${event.message})`}`))
      }, { once: true })
    })
    // a failure is the waiting call's to answer; one no call waits for any more is not unhandled
    ready.catch(() => {})
    // a blob made to start the worker from another origin's script is not needed once the worker has loaded
    if (script.startsWith('blob:')) void ready.finally(() => { URL.revokeObjectURL(script) }).catch(() => {})
    this.worker = { worker, ready }
    return this.worker
  }
}

/**
 * The worker's script URL. The bundler makes the worker a chunk of its own,
 * so QuickJS (~600 kB) loads only with the first call. A page may only start
 * a worker from its own origin; an SDK loaded from another (a gateway's
 * `/sdk/edgeway.js`) starts a same-origin blob that imports the script, which
 * the gateway serves with CORS as it does the SDK.
 */
function workerScript (): string {
  const url = new URL(sandboxWorkerUrl, import.meta.url)
  if (globalThis.location == null || url.origin === globalThis.location.origin) {
    return url.href
  }
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)}\n`], { type: 'text/javascript' }))
}
