/// <reference path="./worker-url.d.ts" />
import { FUNCTION_LIMITS } from './defaults.ts'
import { FunctionTimeoutError } from './errors.ts'
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
 * Runs functions in one dedicated browser Worker (QuickJS loads there, not in
 * the page), one call at a time, the others (at most `MAX_WAITING`) waiting
 * their turn. A call that
 * overruns its deadlines (the interrupt handler cannot stop one long
 * built-in) ends the worker; the next call starts a fresh one.
 */
export class WorkerFunctionRunner implements FunctionRunner {
  private worker?: { worker: Worker, ready: Promise<void> }
  private readonly turns = new TakeTurns(MAX_WAITING)
  private nextId = 0

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
    await ready.catch(async (err) => {
      await this.close()
      throw err
    })
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
        // a worker whose sandbox may be broken ends after this reply: the next call starts a fresh one
        if (!reply.healthy) void this.close()
        if (reply.ok) resolve(replyResult(reply))
        else reject(replyError(reply))
      }
      worker.addEventListener('message', onMessage)
      worker.postMessage(message, transfer)
    })
  }

  private start (): { worker: Worker, ready: Promise<void> } {
    if (this.worker != null) return this.worker
    const script = workerScript()
    const worker = new Worker(script, { type: 'module', name: 'edgeway-functions' })
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (event: MessageEvent<FunctionReplyMessage>): void => {
        if ('ready' in event.data) {
          worker.removeEventListener('message', onMessage)
          resolve()
        }
      }
      worker.addEventListener('message', onMessage)
      worker.addEventListener('error', (event) => { reject(new Error(`the function worker failed to start: ${event.message}`)) }, { once: true })
    })
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
