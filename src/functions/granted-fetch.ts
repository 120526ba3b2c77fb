import { FunctionTimeoutError } from './errors.ts'
import { PLAIN_BYTES_SOURCE } from './web-globals.ts'
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core'

/**
 * What an operator lets functions reach over the network. None by default:
 * a sandbox without grants has no `fetch` at all.
 */
export interface FunctionGrants {
  /**
   * Origins (`https://api.example`) a function may `fetch`. Only these: no
   * redirect is followed, so an allowed origin cannot send a call elsewhere
   *
   * @default []
   */
  fetchOrigins?: string[]
}

/**
 * The `fetch` global a granted function gets, written in the sandbox's JS:
 * it hands method, URL, headers and body to the host's `hostFetch` and
 * builds a Response from what comes back. Evaluated before the module, so
 * what it is made with is what the context began with, whatever a function
 * later does to the globals: the host is always handed strings and a plain
 * ArrayBuffer (`PLAIN_BYTES_SOURCE`).
 * Its value puts `fetch` on the global once the module is evaluated: only
 * calls reach the network.
 */
const FETCH_GLOBAL_SOURCE = `(() => {
  ${PLAIN_BYTES_SOURCE}
  const NewRequest = Request
  const NewResponse = Response
  const text = String
  const list = Array.from
  const stringifyJson = JSON.stringify
  const parseJson = JSON.parse
  const define = Object.defineProperty
  return (hostFetch) => {
    const fetch = async (input, init = {}) => {
      const request = new NewRequest(input, init)
      const method = text(request.method)
      let body
      if (method !== 'GET' && method !== 'HEAD') {
        body = plainBytes(await request.arrayBuffer())
      }
      const answer = await hostFetch(method, text(request.url), text(stringifyJson(list(request.headers))), body)
      return new NewResponse(answer.body, { status: answer.status, headers: parseJson(answer.headers) })
    }
    define(globalThis, 'fetch', { value: fetch, writable: true, configurable: true, enumerable: false })
  }
})()`

/**
 * Makes a granted `fetch` ready in a fresh context, before any module code
 * runs there; `installGrantedFetch` puts it on the global
 */
export function prepareGrantedFetch (context: QuickJSContext): QuickJSHandle {
  return context.evalCode(FETCH_GLOBAL_SOURCE, 'edgeway:fetch.js', { type: 'global', strict: true }).unwrap() as QuickJSHandle
}

export interface HostFetches {
  /** A call begins: its count of fetches starts afresh */
  startCall(): void
  /** Waits for one fetch in flight to settle, or the deadline; false when none is in flight */
  next(deadline: number, timeoutMs: number): Promise<boolean>
  /**
   * Lets go of the VM's promises of fetches still in flight, before the
   * context is freed (QuickJS aborts on freeing a runtime that still holds
   * them); their answers then go nowhere
   */
  dispose(): void
}

export interface GrantedFetchLimits {
  maxRequestBytes: number
  maxResponseBytes: number
}

/**
 * Fetches a sandbox's modules may have in flight at once, all together: each
 * holds up to a request and a response body on the host, so more fail at
 * once (a function that started thousands without awaiting them held 14
 * GiB). A count per module would let 40 modules that each start 8 and
 * answer hold 320
 */
export const MAX_FETCHES_IN_FLIGHT = 8

/** What the fetches of a sandbox's modules share */
export interface FetchBudget {
  /** Fetches in flight, of every module */
  inFlight: number
}
/** Fetches one call may make: a call is not a way to flood a granted origin */
export const MAX_FETCHES_PER_CALL = 64

/**
 * Puts `fetch` on the context's global (`prepared`, which this frees),
 * limited to `origins`. Each call runs on the host's own `fetch` with the
 * call's deadline as its timeout; its answer (at most `maxResponseBytes`)
 * settles a promise inside the VM, which the caller's settle loop picks up
 * through `next()`.
 */
export function installGrantedFetch (context: QuickJSContext, prepared: QuickJSHandle, origins: readonly string[], limits: GrantedFetchLimits, deadline: () => number, budget: FetchBudget): HostFetches {
  const allowed = new Set(origins.map(origin => new URL(origin).origin))
  // the module's fetches end with it: a module thrown away, or evicted, holds nothing on the host
  const gone = new AbortController()
  const inFlight = new Set<Promise<void>>()
  /** The VM's promises of those fetches, until each is settled or let go */
  const promised = new Set<QuickJSDeferredPromise>()
  let thisCall = 0

  const hostFetch = context.newFunction('hostFetch', (methodHandle, urlHandle, headersHandle, bodyHandle) => {
    const deferred = context.newPromise()
    const refused = budget.inFlight >= MAX_FETCHES_IN_FLIGHT
      ? `functions here may have ${MAX_FETCHES_IN_FLIGHT} fetches in flight at once`
      : thisCall >= MAX_FETCHES_PER_CALL ? `a call may make ${MAX_FETCHES_PER_CALL} fetches` : undefined
    // read before anything is counted: a request the host cannot read fails alone, and holds nothing
    const request = refused == null ? readHostRequest(context, methodHandle, urlHandle, headersHandle, bodyHandle) : undefined
    if (request == null) {
      // before the body is copied out: nothing is held for it
      context.newError({ name: 'TypeError', message: refused ?? 'fetch was handed a request it cannot read: were the globals it is made with changed?' }).consume(handle => { deferred.reject(handle) })
      const handle = deferred.handle.dup()
      deferred.dispose()
      return handle
    }
    thisCall++
    budget.inFlight++
    promised.add(deferred)
    const settle = (work: () => void): void => {
      promised.delete(deferred)
      // the module may have been thrown away (its time ran out) while the fetch was in flight
      if (!context.alive || !deferred.alive) return
      try { work() } catch {}
      deferred.dispose()
    }
    const done = hostSideFetch(allowed, request, limits, deadline(), gone.signal).then(
      (answer) => {
        settle(() => {
          // no prototype: settling the promise asks the answer for a `then`, and one found on Object.prototype would run
          // the module's code now, outside its calls (during another module's, on this thread)
          const object = context.newObject(context.null)
          context.newNumber(answer.status).consume(handle => { context.setProp(object, 'status', handle) })
          context.newString(JSON.stringify(answer.headers)).consume(handle => { context.setProp(object, 'headers', handle) })
          context.newArrayBuffer(answer.body.buffer as ArrayBuffer).consume(handle => { context.setProp(object, 'body', handle) })
          object.consume(handle => { deferred.resolve(handle) })
        })
      },
      (err: Error) => {
        settle(() => { context.newError({ name: 'TypeError', message: err.message }).consume(handle => { deferred.reject(handle) }) })
      }
    ).finally(() => {
      inFlight.delete(done)
      budget.inFlight--
    })
    inFlight.add(done)
    return deferred.handle
  })

  try {
    const installed = context.callFunction(prepared, context.undefined, hostFetch)
    // a module that froze its global object, or took the name itself, has no fetch: its own choice
    if (installed.error != null) installed.error.dispose()
    else installed.value.dispose()
  } finally {
    hostFetch.dispose()
    prepared.dispose()
  }

  return {
    startCall () {
      thisCall = 0
    },
    dispose () {
      gone.abort()
      for (const deferred of promised) {
        if (deferred.alive) deferred.dispose()
      }
      promised.clear()
    },
    async next (deadlineAt, timeoutMs) {
      if (inFlight.size === 0) return false
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { reject(new FunctionTimeoutError(`the function ran over its ${timeoutMs} ms time limit`)) }, Math.max(0, deadlineAt - performance.now()))
      })
      try {
        await Promise.race([...inFlight, late])
      } finally {
        clearTimeout(timer)
      }
      return true
    }
  }
}

const FETCH_TIMEOUT_SLACK_MS = 100

/**
 * The request `fetch` handed the host (strings, and a plain ArrayBuffer or
 * undefined), or undefined when its headers are not a list of string pairs
 */
function readHostRequest (context: QuickJSContext, method: QuickJSHandle, url: QuickJSHandle, headers: QuickJSHandle, body: QuickJSHandle): HostRequest | undefined {
  if (context.typeof(method) !== 'string' || context.typeof(url) !== 'string' || context.typeof(headers) !== 'string') return undefined
  let pairs: unknown
  try {
    pairs = JSON.parse(context.getString(headers))
  } catch {
    return undefined
  }
  if (!Array.isArray(pairs) || !pairs.every(pair => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')) return undefined
  return {
    method: context.getString(method),
    url: context.getString(url),
    headers: pairs as Array<[string, string]>,
    body: context.typeof(body) === 'object' ? context.getArrayBuffer(body).consume(({ value }) => value.slice()) : undefined
  }
}

interface HostRequest { method: string, url: string, headers: Array<[string, string]>, body?: Uint8Array }
interface HostAnswer { status: number, headers: Array<[string, string]>, body: Uint8Array }

async function hostSideFetch (allowed: ReadonlySet<string>, request: HostRequest, limits: GrantedFetchLimits, deadlineAt: number, gone: AbortSignal): Promise<HostAnswer> {
  const url = new URL(request.url)
  if (url.href !== request.url) {
    // what the function checked is what is fetched: a URL the sandbox serialized otherwise than the host would is not
    throw new Error(`fetch to ${request.url}, which this host reads differently (${url.href}): write the URL as the host reads it`)
  }
  const origin = url.origin
  if (!allowed.has(origin)) {
    throw new Error(`fetch to ${origin} is not granted to functions here`)
  }
  if ((request.body?.byteLength ?? 0) > limits.maxRequestBytes) {
    throw new Error(`a fetch body is over the ${limits.maxRequestBytes} byte limit`)
  }
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body as Uint8Array<ArrayBuffer> | undefined,
    redirect: 'error',
    // a little past the call's deadline: the call's own time limit (a 504) always comes first, this only frees the socket
    signal: AbortSignal.any([AbortSignal.timeout(Math.ceil(Math.max(0, deadlineAt - performance.now())) + FETCH_TIMEOUT_SLACK_MS), gone])
  })
  const reader = response.body?.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (let read = await reader?.read(); read != null && read.done !== true; read = await reader?.read()) {
    size += read.value.byteLength
    if (size > limits.maxResponseBytes) {
      await reader?.cancel()
      throw new Error(`the fetched body is over the ${limits.maxResponseBytes} byte limit`)
    }
    chunks.push(read.value)
  }
  const body = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) { body.set(chunk, at); at += chunk.byteLength }
  const status = response.status < 200 ? 502 : response.status
  // the body is decoded already, and framing is the function's answer's own business
  const dropped = new Set(['set-cookie', 'content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'])
  const headers: Array<[string, string]> = []
  response.headers.forEach((value, name) => { if (!dropped.has(name)) headers.push([name, value]) })
  return { status, headers, body }
}
