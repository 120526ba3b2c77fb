/**
 * Small helpers over quickjs-emscripten handles: settle a promise made inside
 * a context, and turn what the VM threw into one of the sandbox's errors.
 * Every handle made here is disposed here, or handed to the caller to dispose.
 */
import { FunctionMemoryError, FunctionThrewError, FunctionTimeoutError } from './errors.ts'
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'

/** What the VM threw, read out as text (the stack stays inside) */
export interface VmThrown {
  name: string
  message: string
  /**
   * The VM threw `null` or `undefined` (`message` says which): a function's
   * own `throw null`, or QuickJS out of memory so far that it could not even
   * make its out-of-memory error
   */
  nullish?: true
}

/** A thrown value as a caller reads it: `Name: message`, or what was thrown when it was null or undefined */
export function thrownText ({ name, message, nullish }: VmThrown): string {
  return nullish === true ? message : `${name}: ${message}`
}

/** A value thrown inside the VM, carried out as plain data */
export class VmThrownError extends Error {
  static name = 'VmThrownError'
  name = 'VmThrownError'
  readonly thrown: VmThrown

  constructor (thrown: VmThrown) {
    super(thrownText(thrown))
    this.thrown = thrown
  }
}

/**
 * How much of a thrown name and message is kept: they become an answer's
 * body, which a function could otherwise make as large as its heap (an
 * error message passes the response size limit)
 */
const MAX_NAME_CHARS = 100
const MAX_MESSAGE_CHARS = 1_000

/** `text` up to `max` characters, an ellipsis marking a cut */
function cut (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** Reads and disposes a thrown value's name and message */
export function readThrown (context: QuickJSContext, error: QuickJSHandle): VmThrownError {
  try {
    // reading a property of null would leave a TypeError pending in the VM
    if (context.typeof(error) === 'undefined' || context.sameValue(error, context.null)) {
      return new VmThrownError({ name: 'Error', message: String(context.dump(error)), nullish: true })
    }
    if (context.typeof(error) !== 'object') {
      return new VmThrownError({ name: 'Error', message: cut(String(context.dump(error)), MAX_MESSAGE_CHARS) })
    }
    const name = context.getProp(error, 'name').consume(handle => context.typeof(handle) === 'string' ? cut(context.getString(handle), MAX_NAME_CHARS) : 'Error')
    const message = context.getProp(error, 'message').consume(handle => context.typeof(handle) === 'string' ? cut(context.getString(handle), MAX_MESSAGE_CHARS) : '')
    return new VmThrownError({ name, message })
  } catch {
    // a heap too full to read the error from: say so rather than guess
    return new VmThrownError({ name: 'InternalError', message: 'out of memory' })
  } finally {
    if (error.alive) error.dispose()
  }
}

/** The value of `result`, or its error thrown as `VmThrownError` */
export function unwrap (context: QuickJSContext, result: { value?: QuickJSHandle, error?: QuickJSHandle }): QuickJSHandle {
  if (result.error != null) {
    throw readThrown(context, result.error)
  }
  return result.value as QuickJSHandle
}

/** Host work a VM promise may wait on (a granted fetch in flight) */
export interface HostWork {
  /** Waits for one piece to finish; false when there is none */
  next(): Promise<boolean>
}

/**
 * Runs the context's jobs until `promise` settles; returns its value (a new
 * handle) or throws `VmThrownError`. Only the host can settle a promise in
 * the sandbox otherwise (a granted fetch), so one still pending once no job
 * and no host work is left never will be.
 */
export async function settle (context: QuickJSContext, promise: QuickJSHandle, host?: HostWork): Promise<QuickJSHandle> {
  for (;;) {
    // the jobs first: a promise the call just made is pending until they run (a step into the VM less per call)
    const jobs = context.runtime.executePendingJobs()
    if (jobs.error != null) {
      throw readThrown(jobs.error.context, jobs.error)
    }
    const state = context.getPromiseState(promise)
    if (state.type === 'fulfilled') {
      return state.notAPromise === true ? promise.dup() : state.value
    }
    if (state.type === 'rejected') {
      throw readThrown(context, state.error)
    }
    if (!context.runtime.hasPendingJob() && !(host != null && await host.next())) {
      throw new FunctionThrewError('the function returned a promise that never settles (a sandbox has no timers, and no I/O but a granted fetch)')
    }
  }
}

export interface ThrownLimits {
  timeoutMs: number
  memoryBytes: number
}

/**
 * The sandbox's own error for a limit the VM hit (interrupted: time; out of
 * memory), else `FunctionThrewError` with the thrown name and message.
 */
export function limitOrThrew (thrown: VmThrown, limits: ThrownLimits, prefix = ''): Error {
  if (thrown.name === 'InternalError' && thrown.message === 'interrupted') {
    return timeLimitError(limits.timeoutMs)
  }
  if (thrown.name === 'InternalError' && thrown.message === 'out of memory') {
    return memoryLimitError(limits.memoryBytes)
  }
  return new FunctionThrewError(`${prefix}${thrownText(thrown)}`)
}

/** A function over its time limit */
export function timeLimitError (timeoutMs: number): FunctionTimeoutError {
  return new FunctionTimeoutError(`the function ran over its ${timeoutMs} ms time limit`)
}

/** A function over its memory limit, whether the VM or the host found it so */
export function memoryLimitError (memoryBytes: number): FunctionMemoryError {
  return new FunctionMemoryError(`the function used more than its ${Math.round(memoryBytes / 1024 / 1024)} MiB memory limit`)
}
