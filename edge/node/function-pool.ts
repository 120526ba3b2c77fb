import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'
import { logger } from '@libp2p/logger'
import { FUNCTION_LIMITS } from '../../src/functions/defaults.ts'
import { FunctionTimeoutError, ModuleNotWarmError } from '../../src/functions/errors.ts'
import { sandboxCall } from '../../src/functions/sandbox-call.ts'
import { FUNCTION_POOL } from './defaults.ts'
import { ServiceUnavailableError } from './errors.ts'
import { callMessage, replyError, replyResult } from '../../src/functions/worker-protocol.ts'
import type { FunctionGrants } from '../../src/functions/granted-fetch.ts'
import type { FunctionLimits, FunctionRequest, FunctionResult, FunctionRunner } from '../../src/functions/types.ts'
import type { SandboxCall } from '../../src/functions/sandbox-call.ts'
import type { FunctionReplyMessage } from '../../src/functions/worker-protocol.ts'
import type { AbortOptions } from '@libp2p/interface'

const log = logger('edgeway:edge:functions')

export interface FunctionPoolInit {
  /**
   * Worker threads, each running one call at a time
   *
   * @default FUNCTION_POOL.workers, at most the machine's cores
   */
  workers?: number
  /**
   * Sandbox limits; unset ones take the defaults
   *
   * @default FUNCTION_LIMITS
   */
  limits?: Partial<FunctionLimits>
  /**
   * How far past its deadlines a call may run before its worker is terminated
   *
   * @default FUNCTION_POOL.graceMs
   */
  graceMs?: number
  /**
   * Calls that may wait for a free worker; more are refused (503)
   *
   * @default FUNCTION_POOL.maxQueued
   */
  maxQueued?: number
  /**
   * What functions may reach beyond the sandbox (`--functions-fetch`)
   *
   * @default {} (nothing)
   */
  grants?: FunctionGrants
}

interface Call {
  id: number
  cid: string
  source: string
  prepared: SandboxCall
  resolve(result: FunctionResult): void
  reject(err: Error): void
}

interface Slot {
  worker: Worker
  /** QuickJS is loaded: calls may be sent */
  ready: boolean
  call?: Call
  watchdog?: ReturnType<typeof setTimeout>
  /**
   * CIDs this worker has evaluated lately, in the order its sandbox keeps them: a call goes where its module is
   * warm, if that worker is free, and without the module's source
   */
  warm: Set<string>
}

/**
 * Function sandboxes in worker threads. A call waits (in a bounded queue)
 * for a free worker, preferring one where its module is warm. The sandbox's
 * interrupt handler stops a function at its deadline, but not inside one
 * long built-in call (a huge allocation near the heap limit can take
 * seconds), so a watchdog terminates a worker that overruns its deadlines
 * by `graceMs` and starts a fresh one.
 */
export class FunctionPool implements FunctionRunner {
  private readonly limits: FunctionLimits
  private readonly graceMs: number
  private readonly grants: FunctionGrants
  private readonly maxQueued: number
  private readonly slots: Slot[] = []
  private readonly queue: Call[] = []
  private nextId = 0
  private closed = false

  constructor ({ workers = Math.min(FUNCTION_POOL.workers, availableParallelism()), limits = {}, graceMs = FUNCTION_POOL.graceMs, maxQueued = FUNCTION_POOL.maxQueued, grants = {} }: FunctionPoolInit = {}) {
    this.limits = { ...FUNCTION_LIMITS, ...limits }
    this.maxQueued = maxQueued
    // QuickJS is an interpreter compiled to WebAssembly. V8 first compiles wasm with its baseline compiler and
    // optimizes a function only once it has run a while, re-compiling in the background meanwhile: a fresh
    // edge answered its first few hundred calls slower, and spent CPU on it during them (bench P11, warm call
    // vs a plain Node handler, alternating runs: 1.51x and 1.57x, 1.45x and 1.40x with this; a cold call
    // 7.8-9.9 ms, 5.5-6.8 ms). With dynamic tiering off, each function is optimized (in the background) as
    // soon as it is first used: ~0.3 s of CPU once per worker. V8's flags are the process's: set here, on the
    // edge's own thread, before any worker compiles QuickJS (wasm compiled later anywhere in the edge is
    // compiled this way too)
    setFlagsFromString('--no-wasm-dynamic-tiering')
    this.graceMs = graceMs
    this.grants = grants
    for (let i = 0; i < Math.max(1, workers); i++) {
      this.slots.push(this.startWorker())
    }
  }

  async run (cid: string, source: string, request: FunctionRequest, options: AbortOptions = {}): Promise<FunctionResult> {
    options.signal?.throwIfAborted()
    if (this.closed) {
      throw new ServiceUnavailableError('the edge is stopping')
    }
    if (this.queue.length >= this.maxQueued) {
      throw new ServiceUnavailableError(`every function worker is busy and ${this.maxQueued} calls are waiting; try again shortly`)
    }

    const prepared = sandboxCall(request, this.limits)
    return new Promise<FunctionResult>((resolve, reject) => {
      const call: Call = { id: this.nextId++, cid, source, prepared, resolve, reject }
      this.queue.push(call)
      this.dispatch()
      if (this.queue.includes(call)) {
        // a call that waits can be given up; a running one ends by its deadline anyway, its answer then going nowhere
        options.signal?.addEventListener('abort', () => {
          const queued = this.queue.indexOf(call)
          if (queued >= 0) {
            this.queue.splice(queued, 1)
            reject(options.signal?.reason)
          }
        }, { once: true })
      }
    })
  }

  async close (): Promise<void> {
    this.closed = true
    for (const call of this.queue.splice(0)) {
      call.reject(new ServiceUnavailableError('the edge is stopping'))
    }
    await Promise.all(this.slots.map(async slot => {
      clearTimeout(slot.watchdog)
      slot.call?.reject(new ServiceUnavailableError('the edge is stopping'))
      slot.call = undefined
      await slot.worker.terminate()
    }))
  }

  private dispatch (): void {
    while (this.queue.length > 0) {
      const call = this.queue[0]
      const free = this.slots.filter(slot => slot.ready && slot.call == null)
      const slot = free.find(s => s.warm.has(call.cid)) ?? free[0]
      if (slot == null) return
      this.queue.shift()
      this.send(slot, call)
    }
  }

  private send (slot: Slot, call: Call, withSource = !slot.warm.has(call.cid)): void {
    slot.call = call
    slot.warm.delete(call.cid)
    slot.warm.add(call.cid)
    if (slot.warm.size > this.limits.maxWarmModules) {
      slot.warm.delete(slot.warm.values().next().value as string)
    }
    // evaluating a cold module and the call each have a deadline of their own
    clearTimeout(slot.watchdog)
    slot.watchdog = setTimeout(() => { this.replace(slot, new FunctionTimeoutError(`the function ran over its ${this.limits.timeoutMs} ms time limit`)) }, 2 * this.limits.timeoutMs + this.graceMs)
    // a module's source goes once to each worker, not with every call: a bundled function is up to 1 MiB
    const { message, transfer } = callMessage(call.id, call.cid, withSource ? call.source : undefined, call.prepared)
    try {
      slot.worker.postMessage(message, transfer)
    } catch (err: any) {
      // a call that cannot be posted fails alone: the worker is untouched, and nothing escapes an event handler
      clearTimeout(slot.watchdog)
      slot.call = undefined
      call.reject(err)
      this.dispatch()
    }
  }

  private startWorker (): Slot {
    // a roomier native stack than a worker's default, so QuickJS's own stack check always fires first
    const worker = new Worker(new URL('./function-worker.ts', import.meta.url), { workerData: { limits: this.limits, grants: this.grants }, resourceLimits: { stackSizeMb: 8 } })
    const slot: Slot = { worker, ready: false, warm: new Set() }
    worker.on('message', (reply: FunctionReplyMessage) => {
      if ('ready' in reply) {
        slot.ready = true
        this.dispatch()
        return
      }
      const call = slot.call
      if (call == null || call.id !== reply.id) return
      if (!reply.ok && reply.name === ModuleNotWarmError.name) {
        // the worker no longer holds the module (it was dropped there): the same call, with the source
        this.send(slot, call, true)
        return
      }
      clearTimeout(slot.watchdog)
      slot.call = undefined
      if (reply.ok) {
        call.resolve(replyResult(reply))
      } else {
        if (!reply.kept) {
          // a module that failed to evaluate is not kept, one that hit a limit was thrown away
          slot.warm.delete(call.cid)
        }
        call.reject(replyError(reply))
      }
      this.dispatch()
    })
    worker.on('error', (err) => { log.error('function worker failed - %e', err) })
    worker.on('exit', (code) => {
      if (!this.closed && this.slots.includes(slot)) {
        log('function worker exited with %d; starting another', code)
        this.replace(slot, new Error('the function worker stopped'))
      }
    })
    return slot
  }

  /** Ends a worker that overran or died, fails its call, and puts a fresh worker in its place */
  private replace (slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot)
    if (index < 0) return
    clearTimeout(slot.watchdog)
    const call = slot.call
    slot.call = undefined
    this.slots.splice(index, 1)
    void slot.worker.terminate()
    call?.reject(err)
    if (!this.closed) {
      this.slots.push(this.startWorker())
      this.dispatch()
    }
  }
}
