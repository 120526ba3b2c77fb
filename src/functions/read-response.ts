import { InvalidFunctionResponseError } from './errors.ts'
import type { FunctionLimits, FunctionResponse } from './types.ts'
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'

/**
 * Headers a function's answer does not carry: those the host sets itself,
 * those that describe one connection rather than the answer (so it cannot
 * frame the body or speak for the host), those that would act on the
 * caller's browser beyond the answer (a function is stateless, and an edge's
 * origin is shared by every function it runs: cookies, site data, reporting
 * of every later request to that origin, HSTS, other transports, client
 * hints), and the SDK's mark of an answer it checked. CORS
 * (`Access-Control-*`, `ACCESS_CONTROL`) is the host's alone: a function's
 * would join the edge's `*`.
 */
const DROPPED_HEADERS = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer',
  'proxy-authenticate', 'proxy-connection', 'server-timing', 'x-edgeway-function',
  'set-cookie', 'clear-site-data', 'nel', 'report-to', 'reporting-endpoints', 'strict-transport-security',
  'alt-svc', 'accept-ch', 'critical-ch', 'x-edgeway-verified'
])
const ACCESS_CONTROL = 'access-control-'

/**
 * Headers a function's answer may have, and their bytes together: each costs
 * the host's thread work to check and send, and a browser refuses an answer
 * whose headers pass a few hundred KiB anyway
 */
export const MAX_RESPONSE_HEADERS = 100

/** Statuses whose answers have no body, whatever a function gave */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304])
export const MAX_RESPONSE_HEADER_BYTES = 32 * 1024

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** What HTTP (and Node, which would refuse to send it) does not allow in a header value: controls but tab, and past one byte */
const NOT_IN_A_VALUE = /[^\t\x20-\x7e\x80-\xff]/

/** The web globals' answer, as JSON */
interface Answer {
  invalid?: string
  status?: unknown
  headers?: unknown
  text?: unknown
}

/**
 * Copies the web globals' answer out of the VM: the JSON string
 * `{ status, headers, text }` (or `{ invalid }`), or `{ answer, bytes }` when
 * the body is bytes. Throws `InvalidFunctionResponseError` for a value that
 * is not a Response, one that cannot be read, and a body over
 * `maxResponseBytes`.
 */
export function readResponse (context: QuickJSContext, result: QuickJSHandle, { maxResponseBytes }: Pick<FunctionLimits, 'maxResponseBytes'>): FunctionResponse {
  const { answer, bytes } = readAnswer(context, result, maxResponseBytes)
  if (typeof answer.invalid === 'string') {
    throw new InvalidFunctionResponseError(answer.invalid)
  }

  const { status } = answer
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new InvalidFunctionResponseError(`the function answered with status ${String(status)}; a Response status is from 200 to 599`)
  }
  const headers = parseHeaders(answer.headers)
  const body = bytes ?? (typeof answer.text === 'string' ? new TextEncoder().encode(answer.text) : new Uint8Array(0))
  if (body.byteLength > maxResponseBytes) {
    throw new InvalidFunctionResponseError(`the function's response body is over the ${maxResponseBytes} byte limit`)
  }

  return { status, headers, body }
}

/**
 * The answer's JSON and bytes, read as untrusted: the function ran in the
 * same context and may have changed the globals they were made with
 * (`JSON.stringify`, prototypes). Whatever it did, the result is an answer
 * or `InvalidFunctionResponseError`, never a host error (which would throw
 * the module's instance away).
 */
function readAnswer (context: QuickJSContext, result: QuickJSHandle, maxResponseBytes: number): { answer: Answer, bytes?: Uint8Array } {
  try {
    let json: string | undefined
    let bytes: Uint8Array | undefined
    const type = context.typeof(result)
    if (type === 'string') {
      json = context.getString(result)
    } else if (type === 'object') {
      json = context.getProp(result, 'answer').consume(handle => context.typeof(handle) === 'string' ? context.getString(handle) : undefined)
      bytes = context.getProp(result, 'bytes').consume((handle) => {
        // the VM's memory is a view: copy out before it is freed, and only what the cap allows
        return context.getArrayBuffer(handle).consume(({ value: view }) => view.byteLength > maxResponseBytes ? view.subarray(0, maxResponseBytes + 1).slice() : view.slice())
      })
    }
    const answer: unknown = json == null ? undefined : JSON.parse(json)
    if (answer != null && typeof answer === 'object' && !Array.isArray(answer)) {
      return { answer, bytes }
    }
  } catch {}
  throw new InvalidFunctionResponseError('the function\'s answer could not be read: did it change the globals a Response is made with?')
}

function parseHeaders (pairs: unknown): Array<[string, string]> {
  if (!Array.isArray(pairs)) {
    throw new InvalidFunctionResponseError('the function\'s response headers are not a list')
  }
  if (pairs.length > MAX_RESPONSE_HEADERS) {
    throw new InvalidFunctionResponseError(`the function's response has ${pairs.length} headers, over the ${MAX_RESPONSE_HEADERS} header limit`)
  }
  const headers: Array<[string, string]> = []
  let bytes = 0
  for (const pair of pairs) {
    const [name, value] = Array.isArray(pair) ? pair : []
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new InvalidFunctionResponseError('the function\'s response has a header that is not valid HTTP')
    }
    // counted before they are checked: a check reads every character
    bytes += name.length + value.length
    if (bytes > MAX_RESPONSE_HEADER_BYTES) {
      throw new InvalidFunctionResponseError(`the function's response headers are over the ${MAX_RESPONSE_HEADER_BYTES} byte limit`)
    }
    if (!TOKEN.test(name) || NOT_IN_A_VALUE.test(value)) {
      throw new InvalidFunctionResponseError('the function\'s response has a header that is not valid HTTP')
    }
    const lower = name.toLowerCase()
    if (!DROPPED_HEADERS.has(lower) && !lower.startsWith(ACCESS_CONTROL)) {
      headers.push([lower, value])
    }
  }
  return headers
}
