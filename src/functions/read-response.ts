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
 * Copies the web globals' answer (`{ status, headers, text | bytes }` or
 * `{ invalid }`) out of the VM. Throws `InvalidFunctionResponseError` for a
 * value that is not a Response, and for a body over `maxResponseBytes`.
 */
export function readResponse (context: QuickJSContext, answer: QuickJSHandle, { maxResponseBytes }: Pick<FunctionLimits, 'maxResponseBytes'>): FunctionResponse {
  const invalid = context.getProp(answer, 'invalid').consume(handle => context.typeof(handle) === 'string' ? context.getString(handle) : undefined)
  if (invalid != null) {
    throw new InvalidFunctionResponseError(invalid)
  }

  const status = context.getProp(answer, 'status').consume(handle => context.getNumber(handle))
  const headers = parseHeaders(context.getProp(answer, 'headers').consume(handle => context.getString(handle)))
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new InvalidFunctionResponseError(`the function answered with status ${status}; a Response status is from 200 to 599`)
  }

  const text = context.getProp(answer, 'text').consume(handle => context.typeof(handle) === 'string' ? context.getString(handle) : undefined)
  let body: Uint8Array
  if (text != null) {
    body = new TextEncoder().encode(text)
  } else {
    body = context.getProp(answer, 'bytes').consume((handle) => {
      if (context.typeof(handle) !== 'object') return new Uint8Array(0)
      // the VM's memory is a view: copy out before it is freed, and only what the cap allows
      return context.getArrayBuffer(handle).consume(({ value: view }) => view.byteLength > maxResponseBytes ? view.subarray(0, maxResponseBytes + 1).slice() : view.slice())
    })
  }
  if (body.byteLength > maxResponseBytes) {
    throw new InvalidFunctionResponseError(`the function's response body is over the ${maxResponseBytes} byte limit`)
  }

  return { status, headers, body }
}

function parseHeaders (json: string): Array<[string, string]> {
  const pairs: unknown = JSON.parse(json)
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
