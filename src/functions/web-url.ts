/**
 * JS that defines the web's `URL` and `URLSearchParams` for the sandbox
 * (`web-globals.ts`), within its scope: absolute http: and https: URLs, the
 * ones a function is called with and builds for its answers.
 */
export const URL_SOURCE = String.raw`class URLSearchParams {
  #pairs = []
  constructor (init = '') {
    if (typeof init === 'string') {
      for (const part of init.replace(/^\?/, '').split('&')) {
        if (part === '') continue
        const at = part.indexOf('=')
        const [name, value] = at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)]
        this.#pairs.push([formDecode(name), formDecode(value)])
      }
    } else {
      const pairs = typeof init[Symbol.iterator] === 'function' ? init : Object.entries(init)
      for (const [name, value] of pairs) this.append(name, value)
    }
  }
  get size () { return this.#pairs.length }
  append (name, value) { this.#pairs.push([String(name), String(value)]) }
  get (name) { return this.#pairs.find(p => p[0] === name)?.[1] ?? null }
  getAll (name) { return this.#pairs.filter(p => p[0] === name).map(p => p[1]) }
  has (name) { return this.#pairs.some(p => p[0] === name) }
  set (name, value) { this.delete(name); this.append(name, value) }
  delete (name) { this.#pairs = this.#pairs.filter(p => p[0] !== name) }
  forEach (fn, self) { for (const [name, value] of this.#pairs) fn.call(self, value, name, this) }
  entries () { return this.#pairs.map(p => [p[0], p[1]])[Symbol.iterator]() }
  keys () { return this.#pairs.map(p => p[0])[Symbol.iterator]() }
  values () { return this.#pairs.map(p => p[1])[Symbol.iterator]() }
  [Symbol.iterator] () { return this.entries() }
  toString () { return this.#pairs.map(([n, v]) => formEncode(n) + '=' + formEncode(v)).join('&') }
}

function formDecode (text) {
  try { return decodeURIComponent(text.replace(/\+/g, ' ')) } catch { return text }
}

function formEncode (text) {
  return encodeURIComponent(text).replace(/%20/g, '+')
}

// absolute http(s) URLs only: the ones a function is called with and builds for its answers. A host is a name, an
// IPv4 address or a bracketed IPv6 one; no user name or password (the authority holds no '@')
const URL_PARTS = /^(https?:)\/\/(\[[0-9a-f:.]+\]|[^/?#:@[\]]*)(?::(\d*))?(\/[^?#]*)?(\?[^#]*)?(#.*)?$/i

class URL {
  #protocol; #hostname; #port; #pathname; #search; #hash
  constructor (input, base) {
    input = String(input)
    if (base !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(input)) {
      const b = new URL(base)
      input = input.startsWith('//')
        ? b.protocol + input
        : input.startsWith('/')
          ? b.origin + input
          : input.startsWith('?')
            ? b.origin + b.pathname + input
            : input.startsWith('#')
              ? b.origin + b.pathname + b.search + input
              : b.origin + b.pathname.replace(/[^/]*$/, '') + input
    }
    const parts = URL_PARTS.exec(input.trim())
    if (parts === null || parts[2] === '' || Number(parts[3] ?? 0) > 65535) throw new TypeError('Invalid URL: ' + input + ' (this URL handles absolute http: and https: URLs without credentials only)')
    this.#protocol = parts[1].toLowerCase()
    this.#hostname = parts[2].toLowerCase()
    const defaultPort = this.#protocol === 'http:' ? '80' : '443'
    this.#port = parts[3] === undefined || parts[3] === '' || Number(parts[3]) === Number(defaultPort) ? '' : String(Number(parts[3]))
    this.#pathname = normalizePath(parts[4] || '/')
    this.#search = parts[5] === '?' ? '' : parts[5] ?? ''
    this.#hash = parts[6] === '#' ? '' : parts[6] ?? ''
  }
  get protocol () { return this.#protocol }
  get hostname () { return this.#hostname }
  get port () { return this.#port }
  get host () { return this.#hostname + (this.#port === '' ? '' : ':' + this.#port) }
  get origin () { return this.#protocol + '//' + this.host }
  get pathname () { return this.#pathname }
  get search () { return this.#search }
  get hash () { return this.#hash }
  get searchParams () { return new URLSearchParams(this.#search) }
  get href () { return this.origin + this.#pathname + this.#search + this.#hash }
  toString () { return this.href }
  toJSON () { return this.href }
}

function normalizePath (path) {
  const out = []
  for (const segment of path.split('/').slice(1)) {
    if (segment === '..') out.pop()
    else if (segment !== '.') out.push(segment)
  }
  if (/\/\.{1,2}$/.test(path)) out.push('')
  return '/' + out.join('/')
}`
