import { InvalidFunctionResponseError } from './errors.ts'
import type { FunctionLimits, FunctionResponse } from './types.ts'
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core'

/**
 * Headers the host sets itself, or that describe one connection rather than
 * the answer: a function's own are dropped, so it cannot frame the body or
 * speak for the host.
 */
const HOST_HEADERS = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer',
  'proxy-authenticate', 'proxy-connection', 'server-timing', 'x-edgeway-function'
])

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Copies the web globals' answer out of the VM: the JSON string
 * `{ status, headers, text }` (or `{ invalid }`), or `{ answer, bytes }` when
 * the body is bytes. Throws `InvalidFunctionResponseError` for a value that
 * is not a Response, and for a body over `maxResponseBytes`.
 */
export function readResponse (context: QuickJSContext, result: QuickJSHandle, { maxResponseBytes }: Pick<FunctionLimits, 'maxResponseBytes'>): FunctionResponse {
  const bytesBody = context.typeof(result) === 'object'
  const json = bytesBody ? context.getProp(result, 'answer').consume(handle => context.getString(handle)) : context.getString(result)
  const answer = JSON.parse(json) as { invalid?: string, status?: unknown, headers?: unknown, text?: string }
  if (answer.invalid != null) {
    throw new InvalidFunctionResponseError(answer.invalid)
  }

  const { status } = answer
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new InvalidFunctionResponseError(`the function answered with status ${String(status)}; a Response status is from 200 to 599`)
  }
  const headers = parseHeaders(answer.headers)

  let body: Uint8Array
  if (bytesBody) {
    body = context.getProp(result, 'bytes').consume((handle) => {
      // the VM's memory is a view: copy out before it is freed, and only what the cap allows
      return context.getArrayBuffer(handle).consume(({ value: view }) => view.byteLength > maxResponseBytes ? view.subarray(0, maxResponseBytes + 1).slice() : view.slice())
    })
  } else {
    body = typeof answer.text === 'string' ? new TextEncoder().encode(answer.text) : new Uint8Array(0)
  }
  if (body.byteLength > maxResponseBytes) {
    throw new InvalidFunctionResponseError(`the function's response body is over the ${maxResponseBytes} byte limit`)
  }

  return { status, headers, body }
}

function parseHeaders (pairs: unknown): Array<[string, string]> {
  if (!Array.isArray(pairs)) {
    throw new InvalidFunctionResponseError('the function\'s response headers are not a list')
  }
  const headers: Array<[string, string]> = []
  for (const pair of pairs) {
    const [name, value] = Array.isArray(pair) ? pair : []
    if (typeof name !== 'string' || typeof value !== 'string' || !TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new InvalidFunctionResponseError('the function\'s response has a header that is not valid HTTP')
    }
    if (!HOST_HEADERS.has(name.toLowerCase())) {
      headers.push([name.toLowerCase(), value])
    }
  }
  return headers
}
