import { requestTooLargeMessage } from '../../src/functions/defaults.ts'
import { FUNCTION_ERROR_STATUS } from '../../src/functions/errors.ts'
import { FunctionCids } from '../../src/functions/function-cids.ts'
import { NULL_BODY_STATUSES } from '../../src/functions/read-response.ts'
import { clientKey } from './client-key.ts'
import { endAnswer } from './end-answer.ts'
import { BadRequestError, NotImplementedError, PayloadTooLargeError, ServiceUnavailableError } from './errors.ts'
import { HeldBytes } from './held-bytes.ts'
import { readRequestBody } from './read-request-body.ts'
import type { FunctionModules } from './function-modules.ts'
import type { HeldBytesLimits, HeldBytesRefusal } from './held-bytes.ts'
import type { HttpRoute, RouteRequest } from './http-server.ts'
import type { FunctionLimits, FunctionRequest, FunctionRunner, FunctionTimings } from '../../src/functions/types.ts'
import type { CID } from 'multiformats/cid'
import type { ServerResponse } from 'node:http'

export const FUNCTION_PATH = '/fn/'
const EMPTY = new Uint8Array(0)
/** What a page may read of a call's answer besides the function's own headers */
const FUNCTION_EXPOSED = ['Server-Timing', 'X-Edgeway-Function']
/** Response headers any page may read anyway (CORS-safelisted) */
const SAFELISTED = new Set(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma'])
/** HEAD runs the function as the method it is, and answers its headers alone (node sends no body for a HEAD) */
const METHODS = ['GET', 'HEAD', 'POST']
/** A host name or address, and its port */
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i

export interface FunctionRouteComponents {
  modules: FunctionModules
  runner: FunctionRunner
  limits: Pick<FunctionLimits, 'maxRequestBytes'>
  /** Bytes of request bodies held at once, all calls together and per client (`FUNCTION_POOL.heldBodyBytes`, `heldBodyBytesPerClient`) */
  heldBodies: HeldBytesLimits
  /** Bytes of answers not yet taken by their sockets, all calls together and per client (`FUNCTION_POOL.heldAnswerBytes`, `heldAnswerBytesPerClient`) */
  heldAnswers: HeldBytesLimits
  /** How long an answer's socket may take nothing before the answer is cut (`FUNCTION_POOL.answerStallMs`) */
  answerStallMs: number
}

/**
 * `GET|HEAD|POST /fn/<cid>/<path…>`: runs the function module `<cid>` on the
 * request. The function sees `http://<host>/<path…>?<query>`: it is mounted
 * at the root of its own URL space, wherever it is called from. Answers carry
 * `X-Edgeway-Function: <cid>` and `Server-Timing` (fetch, compile, run),
 * errors too; a function's error answers with its message, never a stack.
 */
export function functionRoute (components: FunctionRouteComponents): HttpRoute {
  const cids = new FunctionCids()
  const bodies = new HeldBytes(components.heldBodies)
  const answers = new HeldBytes(components.heldAnswers)
  return {
    id: 'functions',
    canHandle: isFunctionPath,
    methods: METHODS,
    refusalHeaders: (url): Record<string, string> => {
      try {
        return { 'X-Edgeway-Function': parseFunctionPath(url, cids).cid.toString() }
      } catch {
        return {}
      }
    },
    handle: async (request) => {
      const { cid, path } = parseFunctionPath(request.url, cids)
      const named = request.url.pathname.slice(FUNCTION_PATH.length)
      if (!named.includes('/') && request.req.method !== 'POST') {
        // the function's own space is /fn/<cid>/: a page there links relative to it, as a directory's does
        request.res.writeHead(301, { Location: `${FUNCTION_PATH}${named}/${request.url.search}`, 'X-Edgeway-Function': cid.toString() }).end()
        return
      }
      const timing = new Timing()
      // a body is counted from before its first byte is read until the call ends: what it declares, else the most it may be
      const declared = Number(request.req.headers['content-length'])
      const held = request.req.method === 'POST' ? Math.min(Number.isSafeInteger(declared) && declared >= 0 ? declared : Infinity, components.limits.maxRequestBytes) : 0
      const client = clientKey(request.req.socket.remoteAddress ?? '')
      let taken = 0
      try {
        // a call whose answer could not be held is not run
        const full = answers.full(client)
        if (full != null) {
          throw new ServiceUnavailableError(refusal('unsent answers', full, components.heldAnswers))
        }
        if (held > 0) {
          // a share per client: one client's slow uploads cannot take every caller's POST
          const refused = bodies.take(client, held)
          if (refused != null) {
            request.res.shouldKeepAlive = false
            throw new ServiceUnavailableError(refusal('request bodies', refused, components.heldBodies))
          }
          taken = held
        }
        // a module read before is at hand: no promise to wait on for it
        let source = components.modules.cached(cid)
        if (source == null) {
          source = await timing.measure('fetch', components.modules.load(cid, { signal: request.signal }))
        } else {
          timing.entry('fetch', 0)
        }
        const body = request.req.method === 'POST' ? await readRequestBody(request, components.limits.maxRequestBytes, () => new PayloadTooLargeError(requestTooLargeMessage(components.limits.maxRequestBytes))) : new Uint8Array(0)
        const called = functionRequest(request, path, body)
        const running = components.runner.run(cid.toString(), source, called, { signal: request.signal })
        // while the function runs in its worker: the headers every answer of a call has
        setCallHeaders(request.res, cid)
        const { response, timings } = await running
        timing.add(timings)
        // the caller left while its function ran: no one to answer, and nothing to hold for it
        request.signal.throwIfAborted()
        holdAnswer(answers, client, request.head || NULL_BODY_STATUSES.has(response.status) ? 0 : response.body.byteLength, request.res, components.heldAnswers)
        sendFunctionResponse(request.res, timing, response.status, mountRedirect(response.headers, called.url, cid), response.body, components.answerStallMs)
      } catch (err: any) {
        const status = FUNCTION_ERROR_STATUS[err.name]
        if (status == null) {
          // the edge's own errors (400, 404, 413, 503) answer through the server's mapper, marked all the same
          request.res.setHeader('X-Edgeway-Function', cid.toString())
          request.res.setHeader('Server-Timing', timing.header())
          // an error page on the edge's origin runs no script either
          request.res.setHeader('Content-Security-Policy', 'sandbox')
          throw err
        }
        const text = new TextEncoder().encode(`${err.message}\n`)
        setCallHeaders(request.res, cid)
        sendFunctionResponse(request.res, timing, status, [['content-type', 'text/plain; charset=utf-8']], text, components.answerStallMs)
      } finally {
        if (taken > 0) bodies.give(client, taken)
      }
    }
  }
}

/** What `/fn/` answers on an edge started without `--functions` */
export function functionsOffRoute (): HttpRoute {
  return {
    id: 'functions-off',
    canHandle: isFunctionPath,
    methods: METHODS,
    handle: async () => {
      throw new NotImplementedError('this edge does not run functions; its operator can start it with --functions')
    }
  }
}

/**
 * Counts an answer's body against its client's share and the edge's budget
 * from now until its socket has taken all of it, or is gone; past either, the
 * call is a 503 (its answer dropped) rather than one more body the edge holds
 * for a reader that may never read it.
 */
function holdAnswer (answers: HeldBytes, client: string, bytes: number, res: ServerResponse, limits: HeldBytesLimits): void {
  const refused = answers.take(client, bytes)
  if (refused != null) {
    throw new ServiceUnavailableError(refusal('unsent answers', refused, limits))
  }
  let held = true
  const release = (): void => {
    if (held) answers.give(client, bytes)
    held = false
  }
  res.once('finish', release)
  res.once('close', release)
}

function refusal (what: string, refused: HeldBytesRefusal, limits: HeldBytesLimits): string {
  return refused === 'client'
    ? `this client's calls hold as many ${what} as one client may (${limits.perClient} bytes); try again shortly`
    : `the edge holds as many ${what} as it can (${limits.total} bytes); try again shortly`
}

function isFunctionPath (url: URL): boolean {
  return url.pathname === '/fn' || url.pathname.startsWith(FUNCTION_PATH)
}

export function parseFunctionPath (url: URL, cids: FunctionCids): { cid: CID, path: string } {
  const [cidText = '', ...rest] = url.pathname.slice(FUNCTION_PATH.length).split('/')
  try {
    return { cid: cids.parse(cidText), path: `/${rest.join('/')}` }
  } catch (err: any) {
    throw new BadRequestError(`${String(err.message)}; call a function at /fn/<cid>/<path>`)
  }
}

function functionRequest ({ req, url }: RouteRequest, path: string, body: Uint8Array): FunctionRequest {
  const headers: Array<[string, string]> = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]])
  }
  // the function parses its URL: a Host that is not a host name or address (with a port a URL can have) is not passed on
  const valid = HOST.exec(req.headers.host ?? '')
  const host = valid != null && Number(valid[1] ?? 0) <= 65535 ? valid[0] : 'edge.invalid'
  return { method: req.method ?? 'GET', url: `http://${host}${path}${url.search}`, headers, body }
}

/**
 * The answer's headers with a `Location` into the function's own URL space
 * (the origin it saw, `seenAt`'s) pointed at the same place under the
 * function's `/fn/<cid>/` URL: a function is mounted at the root of its own
 * space, so `Response.redirect(new URL('/next', request.url))` would send
 * the caller to the edge's `/next`. A `Location` elsewhere is left as it is.
 */
function mountRedirect (headers: Array<[string, string]>, seenAt: string, cid: CID): Array<[string, string]> {
  const at = headers.findIndex(([name]) => name === 'location')
  if (at < 0) return headers
  let target: URL
  try {
    target = new URL(headers[at][1], seenAt)
  } catch {
    return headers
  }
  if (target.origin !== new URL(seenAt).origin) return headers
  const mounted = headers.slice()
  mounted[at] = ['location', `${FUNCTION_PATH}${cid.toString()}${target.pathname}${target.search}${target.hash}`]
  return mounted
}

/**
 * What every answer of a call carries, set while the function runs: its CID;
 * no script on the edge's origin for a function's HTML opened in a browser (a
 * CSP of the function's own only narrows this); the edge's headers of a call
 * readable cross-origin (not those of content, which the edge exposes on every
 * other answer); and no storing, since an answer is made per request, unless
 * the function says otherwise
 */
function setCallHeaders (res: ServerResponse, cid: CID): void {
  res.setHeader('X-Edgeway-Function', cid.toString())
  res.setHeader('Content-Security-Policy', 'sandbox')
  res.setHeader('Access-Control-Expose-Headers', FUNCTION_EXPOSED.join(', '))
  res.setHeader('Cache-Control', 'no-store')
}

function sendFunctionResponse (res: ServerResponse, timing: Timing, status: number, headers: Array<[string, string]>, body: Uint8Array, stallMs: number): void {
  let exposed: string[] | undefined
  let cacheControl = false
  for (const [name, value] of headers) {
    if (name === 'cache-control' && !cacheControl) {
      res.removeHeader('Cache-Control')
      cacheControl = true
    }
    res.appendHeader(name, value)
    // a cross-origin page may read what the function chose to send
    if (!SAFELISTED.has(name) && exposed?.includes(name) !== true) {
      (exposed ??= [...FUNCTION_EXPOSED]).push(name)
    }
  }
  if (exposed != null) {
    res.setHeader('Access-Control-Expose-Headers', exposed.join(', '))
  }
  res.setHeader('Server-Timing', timing.header())
  // Node leaves out a 204's and a 304's body itself, not a 205's
  const sent = NULL_BODY_STATUSES.has(status) ? new Uint8Array(0) : body
  // a 204 and a 304 carry no length at all; a 205's is 0
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', sent.byteLength)
  res.writeHead(status)
  endAnswer(res, res.req.method === 'HEAD' ? EMPTY : sent, stallMs)
}

/** `Server-Timing` of one call: fetch (module source), compile (0 when warm), run */
class Timing {
  private readonly entries: string[] = []

  async measure <T> (name: string, work: Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work
    } finally {
      this.entry(name, performance.now() - started)
    }
  }

  entry (name: string, ms: number): void {
    this.entries.push(`${name};dur=${ms.toFixed(2)}`)
  }

  add ({ compileMs, runMs, warm }: FunctionTimings): void {
    this.entries.push(`compile;dur=${compileMs.toFixed(2)}${warm ? ';desc="warm"' : ''}`, `run;dur=${runMs.toFixed(2)}`)
  }

  header (): string {
    return this.entries.join(', ')
  }
}
