import { equals } from 'uint8arrays/equals'
import { FUNCTION_LIMITS, moduleNotTextMessage, moduleTooLargeMessage, requestTooLargeMessage } from '../functions/defaults.ts'
import { FUNCTION_ERROR_STATUS, FunctionBusyError, FunctionInputTooLargeError, FunctionSandboxUnavailableError, InvalidFunctionModuleError } from '../functions/errors.ts'
import { EDGE_CALL_TIMEOUT_MS, VERIFIED_HEADER, callOnEdges, functionTextResponse } from '../functions/edge-call.ts'
import { parseFunctionCid } from '../functions/function-cids.ts'
import { NULL_BODY_STATUSES } from '../functions/read-response.ts'
import { FunctionVerificationError, InvalidRequestError } from '../lib/errors.ts'
import { edgeKey } from '../lib/edge-health.ts'
import { readCapped } from '../lib/read-capped.ts'
import type { EdgeCallComponents } from '../functions/edge-call.ts'
import type { FunctionCids } from '../functions/function-cids.ts'
import type { FunctionRequest, FunctionRunner } from '../functions/types.ts'
import type { InvokeInit } from './types.ts'
import type { CID } from 'multiformats/cid'

export interface InvokeComponents extends EdgeCallComponents {
  /** Verified content, for the module's source when it runs here */
  fetchContent(resource: string, init: { signal?: AbortSignal }): Promise<Response>
  /** The browser's sandbox, started on first use */
  runner(): FunctionRunner
  /** Function CIDs parsed lately, by their text (`FunctionCids`) */
  cids?: FunctionCids
}

const ADDRESS = /^(?:ipfs:\/\/|\/ipfs\/)([^/?#]+)([^?#]*)(\?[^#]*)?/

/**
 * `client.invoke('ipfs://<cid>/<path>', init)`: runs the function module
 * `<cid>` on `<path>` and resolves to its `Response`. Like `client.fetch`,
 * failures are responses (a 502 when no edge answered), except a failed
 * `recompute`, which rejects.
 */
export async function invokeFunction (components: InvokeComponents, resource: string | URL, init: InvokeInit = {}): Promise<Response> {
  init.signal?.throwIfAborted()
  const match = ADDRESS.exec(String(resource))
  let cid: CID
  try {
    cid = components.cids?.parse(match?.[1] ?? '') ?? parseFunctionCid(match?.[1] ?? '')
  } catch (err: any) {
    throw new InvalidRequestError(`${String(resource)} does not name a function (${String(err.message)}): use ipfs://<cid>/<path>`)
  }
  const path = functionPath(match?.[2] ?? '', match?.[3] ?? '')
  const method = (init.method ?? 'GET').toUpperCase()
  if (!METHODS.has(method)) {
    // as an edge answers it, without asking one (a method fetch() refuses, such as TRACE, would count as the edge failing)
    return functionTextResponse(405, `a function is called with GET, HEAD or POST, not ${method}`, cid, { Allow: 'GET, HEAD, POST' })
  }
  const headers = new Headers(init.headers)
  if ((method === 'GET' || method === 'HEAD') && init.body != null) {
    // as fetch() refuses it: the body would not be sent
    throw new TypeError(`a ${method} request has no body`)
  }
  const signal = init.signal ?? undefined
  let body: string | Uint8Array<ArrayBuffer>
  try {
    const taken = method === 'GET' || method === 'HEAD' ? EMPTY : requestBody(init.body, headers, signal)
    // text and bytes are taken as they are: a warm call from a page is ~2 ms in all, and each await a step of it
    body = taken instanceof Promise ? await taken : taken
  } catch (err: any) {
    if (err.name !== FunctionInputTooLargeError.name) throw err
    return functionTextResponse(413, err.message, cid)
  }

  const runHere = async (host: string): Promise<LocalRun> => {
    const request: FunctionRequest = { method, url: `http://${host}${path}`, headers: [...headers].map(([n, v]) => [n.toLowerCase(), v]), body: typeof body === 'string' ? new TextEncoder().encode(body) : body }
    const run = await runLocally(components, cid, request, signal)
    // a HEAD is answered with the headers alone, as HTTP answers it
    return method === 'HEAD' ? { ...run, response: new Response(null, run.response) } : run
  }

  if (init.where === 'local') {
    return (await runHere(globalThis.location?.host ?? 'localhost')).response
  }

  const answered = await callOnEdges(components, cid, path, { method, headers, body, signal, redirect: init.redirect })
  if (init.redirect === 'error' && answered.edge != null && (answered.response.type === 'opaqueredirect' || (answered.response.status >= 300 && answered.response.status < 400))) {
    // as fetch() refuses it
    await answered.response.body?.cancel()
    throw new TypeError(`the function ${cid} answered a redirect, and the call was made with redirect: 'error'`)
  }
  if (init.verify !== 'recompute' || answered.edge == null) {
    // an edge's answer, or the SDK's own 502 when no edge answered
    return answered.response
  }

  // the same request, seen at the same host, run here: a deterministic function gives the same answer
  const { edge } = answered
  const { maxResponseBytes } = FUNCTION_LIMITS
  // an edge that sends its headers and then trickles its body has the call's time for the rest
  const reading = AbortSignal.any([AbortSignal.timeout(components.timeoutMs ?? EDGE_CALL_TIMEOUT_MS), ...(signal == null ? [] : [signal])])
  const edgeBody = await readCapped(answered.response, maxResponseBytes, () => new FunctionVerificationError(`${edge} answered ${cid} with more than the ${maxResponseBytes} bytes a function may answer`), { signal: reading })
  const { response: local, ran, unavailable } = await runHere(new URL(edge).host)
  // nothing here to check the edge's answer with, now (the sandbox is busy, or the module cannot be fetched here for
  // the while: a 5xx): the SDK's own 503, no edge's word and no blame
  if (unavailable === true || (!ran && !answered.notHere && local.status >= 500)) {
    return new Response(method === 'HEAD' ? null : `the answer of ${edge} could not be checked: ${(await local.text()).trim()}\n`, { status: 503, headers: local.headers })
  }
  const localBody = new Uint8Array(await local.arrayBuffer())
  // a HEAD's answer has no body to compare: its status is what the edge says of it
  const same = local.status === answered.response.status && (method === 'HEAD' || equals(edgeBody, localBody))
  if (!same && !answered.notHere) {
    // an edge's answer the browser does not give (or cannot check: the module is not one here): it is asked last for
    // this function from now on (its health for content is untouched: a function that is not deterministic fails here
    // on an honest edge too)
    components.caught?.note(cid.toString(), edgeKey({ http: edge, multiaddrs: [] }))
    throw new FunctionVerificationError(`${edge} answered ${answered.response.status} with ${edgeBody.byteLength} bytes for ${cid}, but the function run here answers ${local.status} with ${localBody.byteLength} bytes`)
  }
  if (!ran) {
    // no edge ran it, and it could not be run here either: the reason, as the SDK's own answer
    return new Response(localBody, local)
  }
  // the function's answer as it ran here, its headers too (an edge's are not checked). When no edge could run it
  // (each answered 404, 501 or 503, which the function here does not), that answer is the only one there is:
  // marked `local`, no edge's word is in it
  const verified = new Response(NULL_BODY_STATUSES.has(local.status) || method === 'HEAD' ? null : localBody, local)
  verified.headers.set(VERIFIED_HEADER, same ? 'recompute' : 'local')
  return verified
}

const EMPTY = new Uint8Array(0)

const HTTP_CODINGS: Record<string, CompressionFormat> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate' }

/** What an edge runs a function for */
const METHODS = new Set(['GET', 'HEAD', 'POST'])

/**
 * The path and query a function is called with, as a URL parser makes them
 * (the edge's and the SW's requests come that way): dot segments resolved
 * inside the function's own space, so none reaches past `/fn/<cid>/` to the
 * edge's other routes, and characters percent-encoded, so the run here sees
 * the path the edge's run sees
 */
function functionPath (path: string, query: string): string {
  // one absolute URL, not a reference against a base: `//orders/7` would be read as a host
  const url = new URL(`http://function.invalid${path.startsWith('/') ? '' : '/'}${path}${query}`)
  return `${url.pathname}${url.search}`
}

/**
 * A request body as the edges are sent it: text as it is, bytes copied (a
 * hedged call may send them twice, and the caller may change its own), with
 * the Content-Type `fetch()` would give it when the caller set none. Text
 * and bytes are taken at once; anything else (a Blob, FormData,
 * URLSearchParams, a stream) is read as `fetch()` reads it, up to the request limit.
 */
function requestBody (body: BodyInit | null | undefined, headers: Headers, signal?: AbortSignal): string | Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer>> {
  if (body == null) {
    return EMPTY
  }
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
    return body
  }
  if (body instanceof ArrayBuffer) {
    return new Uint8Array(body.slice(0))
  }
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice()
  }
  const read = new Response(body)
  const type = read.headers.get('content-type')
  if (type != null && !headers.has('content-type')) headers.set('content-type', type)
  // a stream may not end: read up to what a function takes (an edge refuses more), and no longer than the caller waits
  const { maxRequestBytes } = FUNCTION_LIMITS
  return readCapped(read, maxRequestBytes, () => new FunctionInputTooLargeError(requestTooLargeMessage(maxRequestBytes)), { signal }) as Promise<Uint8Array<ArrayBuffer>>
}

/** An answer from the browser's sandbox; `ran`: false when the module could not be read, so the function did not run */
interface LocalRun {
  response: Response
  ran: boolean
  /** The sandbox could not take the call (its queue was full, or it could not start): a 503 */
  unavailable?: boolean
}

/**
 * A function's body as `fetch()` hands it over from an edge: decoded by the
 * codings its `Content-Encoding` names (in the order they were applied; a
 * stream that fails to decode fails when read, as fetch()'s does), left as
 * it is when one is not gzip or deflate
 */
function asFetchReads (body: Uint8Array<ArrayBuffer>, headers: Headers): BodyInit {
  const codings = (headers.get('content-encoding') ?? '').split(',').map(coding => coding.trim().toLowerCase()).filter(coding => coding !== '' && coding !== 'identity')
  // the HTTP codings a decompression stream reads (not deflate-raw, which is none)
  if (codings.length === 0 || codings.some(coding => HTTP_CODINGS[coding] == null)) return body
  let stream = new Blob([body]).stream()
  for (const coding of codings.reverse()) {
    stream = stream.pipeThrough(new DecompressionStream(HTTP_CODINGS[coding]))
  }
  return stream
}

async function runLocally ({ fetchContent, runner }: InvokeComponents, cid: CID, request: FunctionRequest, signal?: AbortSignal): Promise<LocalRun> {
  const module = await fetchContent(`ipfs://${cid}`, { signal })
  if (!module.ok) {
    return { response: functionTextResponse(module.status, `the module ${cid} could not be read here: ${(await module.text()).trim()}`, cid), ran: false }
  }
  try {
    // as an edge reads it: within the module limit, and UTF-8 text or not a module
    const { maxModuleBytes } = FUNCTION_LIMITS
    const bytes = await readCapped(module, maxModuleBytes, () => new FunctionInputTooLargeError(moduleTooLargeMessage(cid.toString(), maxModuleBytes)), { signal })
    let source: string
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw new InvalidFunctionModuleError(moduleNotTextMessage(cid.toString()))
    }
    const { response, timings } = await runner().run(cid.toString(), source, request, { signal })
    const headers = new Headers(response.headers)
    headers.set('X-Edgeway-Function', cid.toString())
    headers.set('Server-Timing', `compile;dur=${timings.compileMs.toFixed(2)}, run;dur=${timings.runMs.toFixed(2)}`)
    return { response: new Response(NULL_BODY_STATUSES.has(response.status) ? null : asFetchReads(response.body as Uint8Array<ArrayBuffer>, headers), { status: response.status, headers }), ran: true }
  } catch (err: any) {
    const status = FUNCTION_ERROR_STATUS[err.name]
    if (status == null) throw err
    // the sandbox's own answers about the function (it threw, ran out of time); only a full queue, or a sandbox
    // that could not start, kept it from running
    const unavailable = err.name === FunctionBusyError.name || err.name === FunctionSandboxUnavailableError.name
    return { response: functionTextResponse(status, err.message, cid), ran: !unavailable, unavailable }
  }
}
