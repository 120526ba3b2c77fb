import { FunctionTimeoutError } from './errors.ts'
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
 * builds a Response from what comes back.
 */
const FETCH_GLOBAL_SOURCE = `(hostFetch) => {
  const fetch = async (input, init = {}) => {
    const request = new Request(input, init)
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
    const answer = await hostFetch(request.method, request.url, JSON.stringify([...request.headers]), body)
    return new Response(answer.body, { status: answer.status, headers: JSON.parse(answer.headers) })
  }
  Object.defineProperty(globalThis, 'fetch', { value: fetch, writable: true, configurable: true, enumerable: false })
}`

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
 * Puts `fetch` on the context's global, limited to `origins`. Each call runs
 * on the host's own `fetch` with the call's deadline as its timeout; its
 * answer (at most `maxResponseBytes`) settles a promise inside the VM, which
 * the caller's settle loop picks up through `next()`.
 */
export function installGrantedFetch (context: QuickJSContext, origins: readonly string[], limits: GrantedFetchLimits, deadline: () => number, budget: FetchBudget): HostFetches {
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
    if (refused != null) {
      // before the body is copied out: nothing is held for it
      context.newError({ name: 'TypeError', message: refused }).consume(handle => { deferred.reject(handle) })
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
    const method = context.getString(methodHandle)
    const url = context.getString(urlHandle)
    const headers = JSON.parse(context.getString(headersHandle)) as Array<[string, string]>
    const body = context.typeof(bodyHandle) === 'object' ? context.getArrayBuffer(bodyHandle).consume(({ value }) => value.slice()) : undefined
    const done = hostSideFetch(allowed, { method, url, headers, body }, limits, deadline(), gone.signal).then(
      (answer) => {
        settle(() => {
          const object = context.newObject()
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

  const install = context.evalCode(FETCH_GLOBAL_SOURCE, 'edgeway:fetch.js', { type: 'global', strict: true })
  try {
    const installer = install.unwrap() as QuickJSHandle
    context.callFunction(installer, context.undefined, hostFetch).unwrap().dispose()
    installer.dispose()
  } finally {
    hostFetch.dispose()
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

interface HostRequest { method: string, url: string, headers: Array<[string, string]>, body?: Uint8Array }
interface HostAnswer { status: number, headers: Array<[string, string]>, body: Uint8Array }

async function hostSideFetch (allowed: ReadonlySet<string>, request: HostRequest, limits: GrantedFetchLimits, deadlineAt: number, gone: AbortSignal): Promise<HostAnswer> {
  const origin = new URL(request.url).origin
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
