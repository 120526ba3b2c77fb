import { requestTooLargeMessage } from './defaults.ts'
import { FunctionInputTooLargeError } from './errors.ts'
import type { FunctionLimits, FunctionRequest } from './types.ts'

/**
 * A call as it enters the sandbox, made by the host: the request in one
 * string where it can be. Every value crossing into the VM costs a copy and
 * a handle, and every object posted to a worker a walk of the structured
 * clone on both sides: posted as strings, a call's round trip to an edge's
 * worker between calls took ~60 µs, against ~95 µs as the request object
 * with its body handed over (a probe on this two-core machine; a warm call
 * from a page ~25-50 µs sooner).
 */
export interface SandboxCall {
  /**
   * The method, the URL and the JSON of the header pairs, a line each, then
   * the body's text when it is UTF-8, decoded by the host (decoding in the
   * VM's JavaScript costs ~0.4 ms per KiB, most of a warm call)
   */
  request: string
  /** The body when it is not UTF-8, or holds a NUL (the text after the headers is then empty) */
  bytes?: Uint8Array
}

/** `request` as the sandbox takes it; a body over the limit is refused here, before it goes anywhere */
export function sandboxCall ({ method, url, headers, body }: FunctionRequest, { maxRequestBytes }: Pick<FunctionLimits, 'maxRequestBytes'>): SandboxCall {
  if (body.byteLength > maxRequestBytes) {
    throw new FunctionInputTooLargeError(requestTooLargeMessage(maxRequestBytes))
  }
  // a URL's parser drops tabs and line breaks (a method has none), and JSON has none: they cannot break the lines
  const head = `${method.replace(LINE_BREAKS, '')}\n${url.replace(LINE_BREAKS, '')}\n${JSON.stringify(headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())))}\n`
  const text = bodyText(body)
  // a string enters the VM as C text, which ends at its first NUL: a body with one goes in as bytes
  return text == null || text.includes('\0') ? { request: head, bytes: body } : { request: head + text }
}

/**
 * The bytes alone in a buffer of their own size: them, when they fill theirs, else a copy (made with the
 * constructor: a Node Buffer's slice() is a view, and a small one lives in a shared pool)
 */
export function exactBytes (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)) as Uint8Array<ArrayBuffer>
}

function bodyText (body: Uint8Array): string | undefined {
  try {
    return FATAL_UTF8.decode(body)
  } catch {
    return undefined
  }
}

const LINE_BREAKS = /[\t\n\r]/g

/**
 * Request headers no function is handed, on an edge or in a browser alike:
 * what a browser adds by itself for the origin called. An edge's origin is
 * every function's it runs, so its cookies and cached credentials would go
 * to whichever function a link or a page names; a caller passes a token in
 * a header of its own.
 */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['cookie', 'authorization', 'proxy-authorization'])

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
