import quickjsWasmfile from '@jitl/quickjs-wasmfile-release-sync'
import { newQuickJSWASMModuleFromVariant, newVariant, Scope } from 'quickjs-emscripten-core'
import { FUNCTION_LIMITS, moduleTooLargeMessage } from './defaults.ts'
import { FUNCTION_ERROR_STATUS, FunctionInputTooLargeError, FunctionMemoryError, FunctionSandboxUnavailableError, FunctionThrewError, FunctionTimeoutError, InvalidFunctionModuleError, ModuleNotWarmError } from './errors.ts'
import { InstanceMemory, refuseNullAllocations } from './instance-memory.ts'
import { installGrantedFetch, prepareGrantedFetch } from './granted-fetch.ts'
import { limitOrThrew, memoryLimitError, settle, timeLimitError, unwrap, VmThrownError } from './quickjs-values.ts'
import { readResponse } from './read-response.ts'
import { exactBytes, sandboxCall } from './sandbox-call.ts'
import { WEB_GLOBALS_SOURCE } from './web-globals.ts'
import type { FetchBudget, FunctionGrants, HostFetches } from './granted-fetch.ts'
import type { HostWork, VmThrown } from './quickjs-values.ts'
import type { SandboxCall } from './sandbox-call.ts'
import type { FunctionLimits, FunctionRequest, FunctionResult, FunctionRunner } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSSyncVariant } from 'quickjs-emscripten-core'

/**
 * The variant whose wasm hosts load (`wasm`). Its types are CommonJS, which
 * make the default import the whole module in TypeScript's eyes; it is the
 * variant itself in ESM, wherever this runs
 */
const QUICKJS = quickjsWasmfile as unknown as QuickJSSyncVariant

export interface FunctionSandboxInit {
  /**
   * QuickJS compiled (`@jitl/quickjs-wasmfile-release-sync`'s wasm): each
   * module gets an instance of its own. Hosts load it their own way
   * (`quickjs-wasm-node.ts`, the browser's `sandbox-worker.ts`)
   */
  wasm: WebAssembly.Module
  /**
   * Limits for every module and call; unset ones take the defaults
   *
   * @default FUNCTION_LIMITS
   */
  limits?: Partial<FunctionLimits>
  /**
   * What functions may reach beyond the sandbox: nothing by default
   *
   * @default {}
   */
  grants?: FunctionGrants
}

/**
 * One evaluated module: its own QuickJS instance (a WebAssembly memory of its
 * own), runtime (heap, limits, interrupt deadline) and context
 */
interface WarmModule {
  /** The instance's own memory, which cannot grow past its limit */
  memory: InstanceMemory
  runtime: QuickJSRuntime
  context: QuickJSContext
  /** The web globals' entry point */
  invoke: QuickJSHandle
  /** The module's default export */
  handler: QuickJSHandle
  /** Wall clock time past which the interrupt handler stops the VM */
  deadline: number
  /** Whether the interrupt handler stopped the VM since `deadline` was set: what the call ended with is then a timeout */
  interrupted: boolean
  /** A granted fetch made ready with the instance, put on the global once the module is evaluated */
  fetch?: QuickJSHandle
  /** Granted fetches in flight, when the operator granted any */
  fetches?: HostFetches
}

/** A time or memory limit, after which a module's heap may be in any state */
function isLimitError (err: Error): boolean {
  return err.name === FunctionTimeoutError.name || err.name === FunctionMemoryError.name
}

/** A sandbox over QuickJS compiled to WebAssembly. Runs in Node and in a browser Worker alike. */
export async function createFunctionSandbox (init: FunctionSandboxInit): Promise<FunctionSandbox> {
  return new FunctionSandbox(init)
}

/**
 * Runs function modules in QuickJS compiled to WebAssembly: a module sees
 * only the ECMAScript built-ins and the web globals of `web-globals.ts` (no
 * `fetch`, no file system, no `import` of anything), within a memory limit
 * and a time limit enforced by an interrupt handler. Each module gets a
 * QuickJS instance of its own, kept warm by CID (at most `maxWarmModules`,
 * least recently used first out); one that hit its time or memory limit is
 * thrown away, since its heap may be in any state, and evaluated afresh on
 * its next call.
 *
 * The memory limit is the instance's WebAssembly memory, which cannot grow
 * past it: QuickJS's own count (`setMemoryLimit`) sees only each allocation's
 * size as asked, not what the allocator holds for it (its build for
 * WebAssembly has no usable-size call), so it stops one large allocation but
 * not many small ones (a function held 2 GiB in 1 MiB buffers under a 32 MiB
 * limit). An instance of its own per module also keeps one function's heap
 * out of another's reach.
 *
 * A warm module keeps its globals between calls, as on any serverless
 * platform: a function must not rely on that, nor on it being cleared.
 * Calls run synchronously on the caller's thread (QuickJS is not
 * re-entrant): a host that must stay responsive runs sandboxes in workers.
 * QuickJS reads local time from that thread's `Date`: the hosts' threads
 * read it as UTC (`utc-local-time.ts`), so every host answers alike.
 */
export class FunctionSandbox implements FunctionRunner {
  readonly limits: FunctionLimits
  private readonly wasm: WebAssembly.Module
  private readonly grants: FunctionGrants
  /** Calls run one after another: a module's deadline and heap serve one call at a time */
  private turn: Promise<unknown> = Promise.resolve()
  /** Map order is use order: the first entry is the least recently used */
  private readonly warm = new Map<string, WarmModule>()
  /** Granted fetches in flight, of every module */
  private readonly fetchBudget: FetchBudget = { inFlight: 0 }
  /** An instance made ahead for the next cold module (`freshModule`) */
  private spare?: Promise<WarmModule>
  private closed = false

  constructor ({ wasm, limits = {}, grants = {} }: FunctionSandboxInit) {
    this.wasm = wasm
    this.limits = { ...FUNCTION_LIMITS, ...limits }
    this.grants = grants
  }

  /** Whether the module `cid` is kept warm */
  holds (cid: string): boolean {
    return this.warm.has(cid)
  }

  /** CIDs of the modules kept warm, least recently used first */
  warmModules (): string[] {
    return [...this.warm.keys()]
  }

  async run (cid: string, source: string, request: FunctionRequest, options: AbortOptions = {}): Promise<FunctionResult> {
    return this.runCall(cid, source, sandboxCall(request, this.limits), options)
  }

  /**
   * Runs a call the host prepared (`sandboxCall`). Without `source`, only a
   * module kept warm can answer: otherwise `ModuleNotWarmError`, and the host
   * sends the call again with it.
   */
  async runCall (cid: string, source: string | undefined, call: SandboxCall, options: AbortOptions = {}): Promise<FunctionResult> {
    const result = this.turn.then(async () => this.runNow(cid, source, call, options))
    this.turn = result.catch(() => {})
    return result
  }

  private async runNow (cid: string, source: string | undefined, call: SandboxCall, options: AbortOptions): Promise<FunctionResult> {
    options.signal?.throwIfAborted()
    if (this.closed) {
      throw new FunctionSandboxUnavailableError('the function sandbox is closed')
    }
    const compileStarted = performance.now()
    let module = this.warm.get(cid)
    const warm = module != null
    if (module == null) {
      if (source == null) {
        throw new ModuleNotWarmError(`${cid} is not warm here; send its source`)
      }
      module = await this.evaluate(cid, source)
      this.keep(cid, module)
    } else {
      this.warm.delete(cid)
      this.warm.set(cid, module)
    }
    const compileMs = warm ? 0 : performance.now() - compileStarted

    const runStarted = performance.now()
    try {
      const response = await this.call(module, call)
      return { response, timings: { compileMs, runMs: performance.now() - runStarted, warm } }
    } catch (err: any) {
      if (FUNCTION_ERROR_STATUS[err.name] == null) {
        // the host failed mid-interpreter (its own stack ran out, a wasm trap): nothing in this module's instance can be
        // trusted now, not even freeing it; it goes, and every other module's instance is untouched
        this.warm.delete(cid)
        throw new FunctionThrewError(`the sandbox failed while running the function (${String(err.message)})`)
      }
      if (isLimitError(err)) {
        this.drop(cid)
        if (warm && err.name === FunctionMemoryError.name) {
          // garbage of the module's own from earlier calls: QuickJS frees a cycle only when its collector runs, which
          // large but few allocations seldom start. The call is run once more on a fresh instance (a host that sent
          // no source is asked for it), and only a call that fills a fresh one fails
          if (source == null) throw new ModuleNotWarmError(`${cid} ran out of memory warm; send its source to run it afresh`)
          return this.runNow(cid, source, call, options)
        }
      }
      throw err
    }
  }

  /** Frees the module `cid`, if it is kept warm */
  release (cid: string): void {
    this.drop(cid)
  }

  /** Frees every module, after the calls already given; later calls are refused (503) */
  async close (): Promise<void> {
    this.closed = true
    await this.turn
    for (const cid of [...this.warm.keys()]) {
      this.drop(cid)
    }
    const spare = this.spare
    this.spare = undefined
    await spare?.then(module => { this.letGo(module) }, () => {})
  }

  private async evaluate (cid: string, source: string): Promise<WarmModule> {
    if (source.length > this.limits.maxModuleBytes || new TextEncoder().encode(source).byteLength > this.limits.maxModuleBytes) {
      throw new FunctionInputTooLargeError(moduleTooLargeMessage(cid, this.limits.maxModuleBytes))
    }
    const module = await this.freshModule()
    module.deadline = performance.now() + this.limits.timeoutMs
    module.interrupted = false
    const { context } = module
    try {
      module.handler = await Scope.withScopeAsync(async (scope) => {
        const evaluated = scope.manage(unwrap(context, context.evalCode(source, `ipfs://${cid}`, { type: 'module', strict: true })))
        const exports = scope.manage(await settle(context, evaluated))
        return context.getProp(exports, 'default')
      })
      // only calls reach the network: a module's top level runs once, on whichever call finds it cold
      if (module.fetch != null) {
        const prepared = module.fetch
        module.fetch = undefined
        module.fetches = installGrantedFetch(context, prepared, this.grants.fetchOrigins ?? [], this.limits, () => module.deadline, this.fetchBudget)
      }
      if (context.typeof(module.handler) !== 'function') {
        throw new InvalidFunctionModuleError(`${cid} is not a function module: its default export is ${context.typeof(module.handler)}, not an async (request) => Response`)
      }
      return module
    } catch (err: any) {
      if (!(err instanceof VmThrownError) && FUNCTION_ERROR_STATUS[err.name] == null) {
        // the host failed mid-interpreter, as a call can (a module nested past the host's stack): the instance is left
        throw new FunctionThrewError(`the sandbox failed while evaluating the module (${String(err.message)})`)
      }
      const error = err instanceof VmThrownError ? this.evaluationError(cid, module, err.thrown) : err
      this.letGo(module)
      throw error
    }
  }

  /** What evaluating a module threw, as the sandbox's error */
  private evaluationError (cid: string, module: WarmModule, thrown: VmThrown): Error {
    const { name, message } = thrown
    if (name === 'SyntaxError' || (name === 'ReferenceError' && message.startsWith('could not load module'))) {
      return new InvalidFunctionModuleError(`${cid} is not a function module (${name}: ${message}); a function is one ES module with no imports`)
    }
    return this.thrownError(module, thrown, 'evaluating the module threw ')
  }

  /**
   * An instance ready for a module, its web globals evaluated: the spare one
   * when there is one, and the next spare is made once this thread is free
   * (making one takes ~1 ms in a tight loop, 3-5 ms between calls: most of a
   * cold call's evaluation, when it was made then)
   */
  private async freshModule (): Promise<WarmModule> {
    const spare = this.spare
    this.spare = undefined
    const module = await (spare ?? this.newInstance()).catch(async () => this.newInstance())
    setTimeout(() => {
      if (this.closed || this.spare != null) return
      const making = this.newInstance()
      this.spare = making
      making.catch(() => { if (this.spare === making) this.spare = undefined })
    }, 0)
    return module
  }

  /** A QuickJS instance of its own, with its runtime, limits, context and web globals */
  private async newInstance (): Promise<WarmModule> {
    const memory = new InstanceMemory(this.limits.memoryBytes)
    const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(QUICKJS, { wasmModule: this.wasm, wasmMemory: memory }))
    refuseNullAllocations(quickjs, this.limits.memoryBytes)
    const runtime = quickjs.newRuntime()
    // still stops one allocation over the limit before it is tried
    runtime.setMemoryLimit(this.limits.memoryBytes)
    runtime.setMaxStackSize(this.limits.stackBytes)
    const module = { memory, runtime, deadline: performance.now() + this.limits.timeoutMs, interrupted: false } as WarmModule
    runtime.setInterruptHandler(() => {
      if (performance.now() <= module.deadline) return false
      module.interrupted = true
      return true
    })
    try {
      module.context = runtime.newContext()
      module.invoke = unwrap(module.context, module.context.evalCode(WEB_GLOBALS_SOURCE, 'edgeway:web-globals.js', { type: 'global', strict: true }))
      if ((this.grants.fetchOrigins ?? []).length > 0) {
        module.fetch = prepareGrantedFetch(module.context)
      }
      return module
    } catch (err) {
      this.letGo(module)
      throw err
    }
  }

  private async call (module: WarmModule, { request, bytes }: SandboxCall): Promise<FunctionResult['response']> {
    const { context } = module
    module.deadline = performance.now() + this.limits.timeoutMs
    module.interrupted = false
    module.fetches?.startCall()
    try {
      return await Scope.withScopeAsync(async (scope) => {
        const args = [module.handler, scope.manage(context.newString(request))]
        if (bytes != null) {
          args.push(scope.manage(context.newArrayBuffer(exactBytes(bytes).buffer)))
        }
        const promise = scope.manage(unwrap(context, context.callFunction(module.invoke, context.undefined, args)))
        const answer = scope.manage(await settle(context, promise, this.hostWork(module)))
        return readResponse(context, answer, this.limits)
      })
    } catch (err: any) {
      throw err instanceof VmThrownError ? this.thrownError(module, err.thrown) : err
    }
  }

  /**
   * The sandbox's error for what the VM threw. QuickJS throws `null` when its
   * memory is so full that it cannot make its out-of-memory error: a `null`
   * (or `undefined`) thrown once the instance's memory refused to grow is
   * taken as that, so the module is thrown away; a function's own `throw null`
   * with memory to spare stays a throw.
   */
  private thrownError (module: WarmModule, thrown: VmThrown, prefix?: string): Error {
    // QuickJS's interrupt cannot be caught: once it fired, the call ended at its deadline, even where the error read
    // out is another (a thrown object whose `name` getter ran into the deadline while the host read it)
    if (module.interrupted) {
      return timeLimitError(this.limits.timeoutMs)
    }
    if (thrown.nullish === true && module.memory.refusedGrowth) {
      return memoryLimitError(this.limits.memoryBytes)
    }
    return limitOrThrew(thrown, this.limits, prefix)
  }

  /** A granted fetch in flight, waited for within the call's deadline */
  private hostWork (module: WarmModule): HostWork | undefined {
    const fetches = module.fetches
    return fetches == null ? undefined : { next: async () => fetches.next(module.deadline, this.limits.timeoutMs) }
  }

  private keep (cid: string, module: WarmModule): void {
    this.warm.set(cid, module)
    for (const oldest of this.warm.keys()) {
      if (this.warm.size <= this.limits.maxWarmModules) break
      this.drop(oldest)
    }
  }

  private drop (cid: string): void {
    const module = this.warm.get(cid)
    this.warm.delete(cid)
    if (module != null) this.letGo(module)
  }

  /**
   * Lets go of a module's instance whole, stopping its granted fetches, but
   * never frees its QuickJS runtime: the instance's WebAssembly memory is its
   * own, and the garbage collector reclaims all of it once nothing refers to
   * it, so freeing gains nothing. And freeing fails an assertion, which
   * emscripten prints on the host's console, whenever the heap holds objects
   * QuickJS lost count of: after a module ran out of memory, and after one
   * answered a body of ~4 MB (a function could fill an edge's log so).
   */
  private letGo ({ fetches }: Partial<WarmModule>): void {
    fetches?.dispose()
  }
}
