import { URL_SOURCE } from './web-url.ts'

/**
 * JS that defines `plainBytes(bytes)`: a plain ArrayBuffer holding a copy
 * of `bytes` (or of what a Uint8Array makes of them), made with what the
 * context began with, whatever a function does to ArrayBuffer and the typed
 * arrays later. What the host reads as bytes is always one: QuickJS leaves
 * an error pending in a runtime the host reads any other value from as
 * bytes, and aborts when that runtime is freed. Evaluated before any module.
 */
export const PLAIN_BYTES_SOURCE = String.raw`const plainBytes = ((apply, NewArrayBuffer, NewBytes, typedArray) => {
  const byteLengthOf = Object.getOwnPropertyDescriptor(typedArray, 'byteLength').get
  const setBytes = typedArray.set
  return (bytes) => {
    const view = new NewBytes(bytes)
    const copy = new NewArrayBuffer(apply(byteLengthOf, view, []))
    apply(setBytes, new NewBytes(copy), [view])
    return copy
  }
})(Reflect.apply, ArrayBuffer, Uint8Array, Object.getPrototypeOf(Uint8Array.prototype))`

/**
 * The web-standard globals a function may use, written in plain JS and
 * evaluated inside each QuickJS context (which has none of them): a small,
 * honest subset of Request, Response, Headers, URL, URLSearchParams,
 * TextEncoder, TextDecoder, and a console that discards. Whatever is absent
 * (fetch, timers, streams, crypto) is absent on purpose, not stubbed.
 *
 * The script's value is the host's entry point, `invoke(handler, head, bytes)`: it is never put on
 * `globalThis`, so a function cannot reach it.
 */
export const WEB_GLOBALS_SOURCE = String.raw`(() => {
'use strict'

// the web's own JSON, as a function found it: what it assigns to JSON later changes neither its Response.json
// nor the answer the host reads
const parseJson = JSON.parse
const stringifyJson = JSON.stringify
${PLAIN_BYTES_SOURCE}

// UTF-8 both ways, by QuickJS's own (C) encodeURIComponent and decodeURIComponent a slice at a time: a loop over each
// code unit in this interpreter took ~0.4 s per MiB, past a call's time for the bodies a function may take and answer.
// A slice ends on a whole character, so each stands alone
const SLICE = 65536

// a string as bytes in one character a byte (a "binary string"): each lone surrogate as U+FFFD's
function utf8Binary (text) {
  let binary = ''
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + SLICE)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++
    // usv (web-url.ts, in this scope): encodeURIComponent throws on a lone surrogate
    binary += unescape(encodeURIComponent(usv(text.slice(i, end))))
    i = end
  }
  return binary
}

function encodeUtf8 (text) {
  const binary = utf8Binary(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

function decodeUtf8 (bytes) {
  let text = ''
  try {
    for (let i = 0; i < bytes.length;) {
      let end = Math.min(bytes.length, i + SLICE)
      // back to the start of a character (at most three continuation bytes)
      for (let back = 0; end < bytes.length && back < 3 && (bytes[end] & 0xc0) === 0x80; back++) end--
      let binary = ''
      for (let at = i; at < end; at += 8192) binary += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 8192)))
      text += decodeURIComponent(escape(binary))
      i = end
    }
    return text
  } catch {
    // not UTF-8 throughout: as the Encoding standard decodes it, a replacement character for each bad sequence
    return decodeUtf8Replacing(bytes)
  }
}

function decodeUtf8Replacing (bytes) {
  let text = ''
  const units = []
  let needed = 0
  let seen = 0
  let code = 0
  let lower = 0x80
  let upper = 0xbf
  const put = (c) => {
    if (c > 0xffff) { c -= 0x10000; units.push(0xd800 | c >> 10, 0xdc00 | c & 0x3ff) } else units.push(c)
    if (units.length >= 4096) { text += String.fromCharCode.apply(null, units); units.length = 0 }
  }
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (needed === 0) {
      if (b < 0x80) put(b)
      else if (b >= 0xc2 && b <= 0xdf) { needed = 1; code = b & 0x1f }
      else if (b >= 0xe0 && b <= 0xef) { lower = b === 0xe0 ? 0xa0 : 0x80; upper = b === 0xed ? 0x9f : 0xbf; needed = 2; code = b & 0xf }
      else if (b >= 0xf0 && b <= 0xf4) { lower = b === 0xf0 ? 0x90 : 0x80; upper = b === 0xf4 ? 0x8f : 0xbf; needed = 3; code = b & 0x7 }
      else put(0xfffd)
      continue
    }
    if (b < lower || b > upper) {
      // the sequence is cut short: a replacement for it, and this byte is read again on its own
      needed = seen = code = 0
      lower = 0x80
      upper = 0xbf
      put(0xfffd)
      i--
      continue
    }
    lower = 0x80
    upper = 0xbf
    code = code << 6 | b & 0x3f
    if (++seen === needed) { put(code); needed = seen = code = 0 }
  }
  if (needed !== 0) put(0xfffd)
  return text + String.fromCharCode.apply(null, units)
}

function toBytes (data) {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}

class TextEncoder {
  get encoding () { return 'utf-8' }
  encode (text = '') { return encodeUtf8(String(text)) }
}

// UTF-8 decoding drops a byte order mark at the start: what text() and json() read, and a TextDecoder unless told not to
function withoutBom (text) {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

class TextDecoder {
  #ignoreBOM
  constructor (label, options) { this.#ignoreBOM = Boolean(options?.ignoreBOM) }
  get encoding () { return 'utf-8' }
  get ignoreBOM () { return this.#ignoreBOM }
  decode (data) {
    const text = data == null ? '' : decodeUtf8(toBytes(data) ?? new Uint8Array(0))
    return this.#ignoreBOM ? text : withoutBom(text)
  }
}

const TOKEN = /^[!#$%&'*+\-.^_` + '`' + String.raw`|~0-9A-Za-z]+$/

// names checked lately, and their lower case: a function uses the same few,
// and in QuickJS a regular expression costs far more than a lookup
const NAMES = new Map()

function headerName (name) {
  name = String(name)
  let lower = NAMES.get(name)
  if (lower === undefined) {
    if (!TOKEN.test(name)) throw new TypeError('invalid header name: ' + name)
    lower = name.toLowerCase()
    if (NAMES.size < 256) NAMES.set(name, lower)
  }
  return lower
}

// trims spaces and tabs, and refuses CR, LF and NUL, without a regular expression (see NAMES)
function headerValue (value) {
  value = String(value)
  let start = 0
  let end = value.length
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--
  if (start > 0 || end < value.length) value = value.slice(start, end)
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) throw new TypeError('invalid header value')
  return value
}

// set in Headers' static block: the host's own ways in, which a function cannot reach
let headersFromHost
let headerPairs

class Headers {
  #map = new Map()
  constructor (init) {
    if (init == null) return
    if (init instanceof Headers) {
      for (const [name, value] of init.#map) this.#map.set(name, value)
      return
    }
    const pairs = typeof init[Symbol.iterator] === 'function' ? init : Object.entries(init)
    for (const [name, value] of pairs) this.append(name, value)
  }
  static {
    // pairs the host's HTTP parser read: lower-case names and valid values already, so not checked again
    headersFromHost = (pairs) => {
      const headers = new Headers()
      for (const [name, value] of pairs) {
        const old = headers.#map.get(name)
        headers.#map.set(name, old === undefined ? value : old + ', ' + value)
      }
      return headers
    }
    headerPairs = (headers) => [...headers.#map]
  }
  append (name, value) {
    name = headerName(name)
    value = headerValue(value)
    const old = this.#map.get(name)
    this.#map.set(name, old === undefined ? value : old + ', ' + value)
  }
  set (name, value) { this.#map.set(headerName(name), headerValue(value)) }
  get (name) { return this.#map.get(headerName(name)) ?? null }
  has (name) { return this.#map.has(headerName(name)) }
  delete (name) { this.#map.delete(headerName(name)) }
  forEach (fn, self) { for (const [name, value] of this) fn.call(self, value, name, this) }
  * entries () { yield * [...this.#map].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) }
  * keys () { for (const [name] of this) yield name }
  * values () { for (const [, value] of this) yield value }
  [Symbol.iterator] () { return this.entries() }
}

${URL_SOURCE}

// set in Body's static block: the host's way to a Response's body, which a function cannot reach, and a Request's
// way to take another's
let bodyOf
let useBody

// the body is a private field, not an entry in a WeakMap keyed by the object: QuickJS frees a WeakMap's entry only
// when its cycle collector runs, so every call's bodies stayed until the heap was full
class Body {
  #raw
  #used = false
  constructor (raw) { this.#raw = raw }
  static {
    bodyOf = (body) => body.#raw
    useBody = (body) => { body.#use() }
  }
  get bodyUsed () { return this.#used }
  // a null body is never used: it reads as empty as often as asked
  #use () {
    if (this.#raw == null) return null
    if (this.#used) throw new TypeError('body already used')
    this.#used = true
    return this.#raw
  }
  async arrayBuffer () {
    const raw = this.#use()
    const b = raw == null ? new Uint8Array(0) : typeof raw === 'string' ? encodeUtf8(raw) : raw
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
  }
  async bytes () { return new Uint8Array(await this.arrayBuffer()) }
  async text () {
    const raw = this.#use()
    return raw == null ? '' : withoutBom(typeof raw === 'string' ? raw : decodeUtf8(raw))
  }
  async json () { return parseJson(await this.text()) }
}

function bodyInit (body) {
  if (body == null) return null
  if (typeof body === 'string') return body
  if (body instanceof URLSearchParams) return body.toString()
  const bytes = toBytes(body)
  if (bytes === null) throw new TypeError('a body is a string, an ArrayBuffer, a typed array or URLSearchParams here')
  return bytes.slice()
}

// the Content-Type fetch() gives a body, when its headers have none
function typeBody (headers, body) {
  const type = typeof body === 'string' ? 'text/plain;charset=UTF-8' : body instanceof URLSearchParams ? 'application/x-www-form-urlencoded;charset=UTF-8' : null
  if (type !== null && !headers.has('content-type')) headers.set('content-type', type)
  return headers
}

// the host's call: a request it read off the wire, taken without checking it again
const FROM_HOST = Symbol('from the host')

class Request extends Body {
  #method; #url; #hostUrl; #headers
  constructor (input, init = {}) {
    if (input === FROM_HOST) {
      // text, or the bytes of a body that is not UTF-8 (an ArrayBuffer)
      super(init.body == null || typeof init.body === 'string' ? init.body : new Uint8Array(init.body))
      // a valid http: URL the host made, normalized on first use like the headers
      this.#hostUrl = init.url
      this.#method = init.method
      // the JSON of the host's header pairs, read on first use: most functions never look at most headers
      this.#headers = init.headersJson
      return
    }
    const from = input instanceof Request ? input : null
    const method = String(init.method ?? from?.method ?? 'GET').toUpperCase()
    const own = bodyInit(init.body)
    // a Request made from another has its body unless init gives one, and the other's is then used: fetch(request)
    // sends what request holds, once
    const body = own ?? (from === null ? null : bodyOf(from))
    if (body !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError('a GET or HEAD request has no body')
    if (own === null && body !== null) useBody(from)
    super(body)
    this.#url = new URL(from === null ? input : from.url).href
    this.#method = method
    this.#headers = typeBody(new Headers(init.headers ?? from?.headers), init.body)
  }
  get method () { return this.#method }
  get url () {
    if (this.#url === undefined) this.#url = new URL(this.#hostUrl).href
    return this.#url
  }
  get headers () {
    if (typeof this.#headers === 'string') this.#headers = headersFromHost(parseJson(this.#headers))
    return this.#headers
  }
}

class Response extends Body {
  #status; #statusText; #headers
  constructor (body = null, init = {}) {
    const raw = bodyInit(body)
    super(raw)
    const status = init.status ?? 200
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError('a Response status is from 200 to 599')
    this.#status = status
    this.#statusText = String(init.statusText ?? '')
    this.#headers = typeBody(new Headers(init.headers), body)
  }
  get status () { return this.#status }
  get statusText () { return this.#statusText }
  get ok () { return this.#status >= 200 && this.#status < 300 }
  get headers () { return this.#headers }
  static json (data, init = {}) {
    const headers = new Headers(init.headers)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    return new Response(stringifyJson(data), { status: init.status, statusText: init.statusText, headers })
  }
  static redirect (url, status = 302) {
    if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError('not a redirect status: ' + status)
    return new Response(null, { status, headers: { location: new URL(url).href } })
  }
}

const quiet = () => {}
const console = { log: quiet, info: quiet, warn: quiet, error: quiet, debug: quiet }

for (const [name, value] of Object.entries({ TextEncoder, TextDecoder, Headers, URLSearchParams, URL, Request, Response, console })) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false })
}

// head: the method, the URL and the headers' JSON, a line each (none of them can hold a line break), then the
// body's text; bytes: else the body, an ArrayBuffer (one that is not UTF-8, or holds a NUL). The answer crosses
// back in one string when its body is text (one read for the host), else as that string and the bytes
return async (handler, head, bytes) => {
  const afterMethod = head.indexOf('\n')
  const afterUrl = head.indexOf('\n', afterMethod + 1)
  const afterHeaders = head.indexOf('\n', afterUrl + 1)
  const method = head.slice(0, afterMethod)
  const url = head.slice(afterMethod + 1, afterUrl)
  const headersJson = head.slice(afterUrl + 1, afterHeaders)
  const body = method === 'GET' || method === 'HEAD' ? null : bytes ?? head.slice(afterHeaders + 1)
  const request = new Request(FROM_HOST, { method, url, headersJson, body })
  const response = await handler(request)
  if (!(response instanceof Response)) {
    return stringifyJson({ invalid: 'the default export must resolve to a Response, not ' + (response === null ? 'null' : typeof response) })
  }
  const raw = bodyOf(response)
  const text = typeof raw === 'string' ? raw : undefined
  const answer = stringifyJson({ status: response.status, headers: headerPairs(response.headers), text })
  if (typeof raw === 'string' || raw == null) return answer
  // an object without a prototype: the promise it settles does not ask Object.prototype for a then
  return { __proto__: null, answer, bytes: plainBytes(raw) }
}
})()
`
