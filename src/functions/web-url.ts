/**
 * JS that defines the web's `URL` and `URLSearchParams` for the sandbox
 * (`web-globals.ts`), within its scope (it uses `encodeUtf8` and
 * `decodeUtf8` there): absolute http: and https: URLs, the ones a function
 * is called with and builds for its answers, parsed and serialized as the
 * WHATWG URL standard does for them (tabs and line breaks dropped, `\` read
 * as `/`, `%2e` segments as dots, paths, queries and fragments
 * percent-encoded), so a function reads a URL as the host that fetches it
 * does. Hosts are ASCII names, IPv4 addresses or bracketed IPv6 ones; no
 * user name or password.
 */
export const URL_SOURCE = String.raw`// a string as a USVString: each lone surrogate becomes U+FFFD
function usv (value) {
  return String(value).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
}

// each code point that is not printable ASCII or is in 'set' as %XX of its UTF-8 bytes
function percentEncode (text, set) {
  let out = ''
  for (const ch of text) {
    const c = ch.codePointAt(0)
    if (c > 0x20 && c < 0x7f && !set.includes(ch)) { out += ch; continue }
    for (const byte of encodeUtf8(ch)) out += '%' + (byte < 16 ? '0' : '') + byte.toString(16).toUpperCase()
  }
  return out
}

// %XX as the byte it names (any other '%' as it is), the bytes read as UTF-8
function percentDecode (text) {
  if (!text.includes('%')) return text
  const bytes = encodeUtf8(text)
  const out = []
  const hex = (b) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 37 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16))
      i += 2
    } else out.push(bytes[i])
  }
  return decodeUtf8(new Uint8Array(out))
}

const PATH_SET = ' "#<>?` + '`' + String.raw`{}'
const QUERY_SET = ' "#<>' + "'"
const FRAGMENT_SET = ' "<>` + '`' + String.raw`'

// application/x-www-form-urlencoded, as URLSearchParams reads and writes it
function formDecode (text) {
  return percentDecode(text.replace(/\+/g, ' '))
}

function formEncode (text) {
  let out = ''
  for (const ch of usv(text)) {
    const c = ch.charCodeAt(0)
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 42 || c === 45 || c === 46 || c === 95) out += ch
    else if (c === 32) out += '+'
    else out += percentEncode(ch, ch)
  }
  return out
}

function parseQuery (query) {
  const pairs = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const at = part.indexOf('=')
    pairs.push(at < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, at)), formDecode(part.slice(at + 1))])
  }
  return pairs
}

// set in the classes' static blocks: a URL and its searchParams keep each other up to date
let linkParams
let replacePairs
let queryFromParams

class URLSearchParams {
  #pairs = []
  #url = null
  constructor (init = '') {
    if (init !== null && typeof init === 'object') {
      const pairs = typeof init[Symbol.iterator] === 'function' ? init : Object.entries(init)
      for (const pair of pairs) {
        const list = [...pair]
        if (list.length !== 2) throw new TypeError('a URLSearchParams pair has a name and a value')
        this.#pairs.push([usv(list[0]), usv(list[1])])
      }
    } else {
      this.#pairs = parseQuery(usv(init).replace(/^\?/, ''))
    }
  }
  static {
    linkParams = (params, url) => { params.#url = url }
    replacePairs = (params, query) => { params.#pairs = parseQuery(query) }
  }
  #update () { if (this.#url !== null) queryFromParams(this.#url, this.toString()) }
  get size () { return this.#pairs.length }
  append (name, value) { this.#pairs.push([usv(name), usv(value)]); this.#update() }
  get (name) { name = usv(name); return this.#pairs.find(p => p[0] === name)?.[1] ?? null }
  getAll (name) { name = usv(name); return this.#pairs.filter(p => p[0] === name).map(p => p[1]) }
  has (name, value) { name = usv(name); value = value === undefined ? undefined : usv(value); return this.#pairs.some(p => p[0] === name && (value === undefined || p[1] === value)) }
  set (name, value) {
    name = usv(name)
    const at = this.#pairs.findIndex(p => p[0] === name)
    if (at < 0) this.#pairs.push([name, usv(value)])
    else this.#pairs = this.#pairs.filter((p, i) => i === at || p[0] !== name).map((p, i) => i === at ? [name, usv(value)] : p)
    this.#update()
  }
  delete (name, value) {
    name = usv(name)
    value = value === undefined ? undefined : usv(value)
    this.#pairs = this.#pairs.filter(p => !(p[0] === name && (value === undefined || p[1] === value)))
    this.#update()
  }
  sort () {
    this.#pairs = this.#pairs.map((p, i) => [p, i]).sort((a, b) => a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]).map(e => e[0])
    this.#update()
  }
  forEach (fn, self) { for (const [name, value] of this.#pairs) fn.call(self, value, name, this) }
  entries () { return this.#pairs.map(p => [p[0], p[1]])[Symbol.iterator]() }
  keys () { return this.#pairs.map(p => p[0])[Symbol.iterator]() }
  values () { return this.#pairs.map(p => p[1])[Symbol.iterator]() }
  [Symbol.iterator] () { return this.entries() }
  toString () { return this.#pairs.map(([n, v]) => formEncode(n) + '=' + formEncode(v)).join('&') }
}

// a host is a bracketed IPv6 address or an ASCII name or IPv4 address; a port is digits
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[^\x00-\x20#%/:<>?@[\\\]^|\x7f-\uffff]+)(?::(\d*))?$/i

// an absolute http(s) URL already in its serialized form's characters, with no dot segment, no fragment and no
// character that would be encoded, as the URL a function is called with: read without the steps below (a function
// that routes on new URL(request.url) pays for one regular expression, not a dozen and a loop per character)
const PLAIN_URL = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)?(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@%/?]*))?$/
const DOT_SEGMENT = /\/\.\.?(?:\/|$)|%2e/i

// the parts of an absolute http(s) URL as strings (query and fragment null when absent), resolved against 'base'
function parseUrl (input, base) {
  const plain = typeof input === 'string' && base === undefined ? PLAIN_URL.exec(input) : null
  if (plain !== null && (plain[4] === undefined || !DOT_SEGMENT.test(plain[4]))) {
    return finish(plain[1], plain[3] === undefined ? plain[2] : plain[2] + ':' + plain[3], plain[4] ?? '/', plain[5] ?? null, null, true)
  }
  input = usv(input).replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '').replace(/[\t\n\r]/g, '')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(input)?.[1].toLowerCase()
  let rest = input.slice(scheme === undefined ? 0 : scheme.length + 1)
  // a scheme of the base's own, without two slashes after it, is still relative to the base ('http:/x' is its path)
  const relative = scheme === undefined || (base !== undefined && scheme === base.protocol.slice(0, -1) && !/^[/\\]{2}/.test(rest))
  if (relative) {
    if (base === undefined) throw new TypeError('Invalid URL: ' + input + ' (a relative URL needs a base)')
    if (/^[/\\]{2}/.test(rest)) {
      rest = rest.slice(2)
    } else {
      let path = base.pathname
      let query = base.query
      let fragment = null
      const at = rest.search(/[?#]/)
      const pathPart = at < 0 ? rest : rest.slice(0, at)
      if (/^[/\\]/.test(pathPart)) path = pathPart
      else if (pathPart !== '') path = base.pathname.replace(/[^/]*$/, '') + pathPart
      if (pathPart !== '' || (at >= 0 && rest[at] === '?')) query = null
      if (at >= 0) {
        const hash = rest.indexOf('#', at)
        if (rest[at] === '?') query = rest.slice(at + 1, hash < 0 ? undefined : hash)
        if (hash >= 0) fragment = rest.slice(hash + 1)
      }
      return finish(base.protocol.slice(0, -1), base.host, path, query, fragment)
    }
  } else if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError('Invalid URL: ' + input + ' (this URL handles http: and https: URLs only)')
  }
  const protocol = scheme ?? base.protocol.slice(0, -1)
  rest = rest.replace(/^[/\\]+/, '')
  const end = rest.search(/[/\\?#]/)
  const authority = end < 0 ? rest : rest.slice(0, end)
  rest = end < 0 ? '' : rest.slice(end)
  const query = rest.search(/[?#]/)
  const path = query < 0 ? rest : rest.slice(0, query)
  const tail = query < 0 ? '' : rest.slice(query)
  const hash = tail.indexOf('#')
  return finish(protocol, authority, path, tail.startsWith('?') ? tail.slice(1, hash < 0 ? undefined : hash) : null, hash < 0 ? null : tail.slice(hash + 1))
}

// 'serialized': path and query are already as they serialize (PLAIN_URL's)
function finish (protocol, authority, path, query, fragment, serialized = false) {
  const parts = AUTHORITY.exec(authority)
  if (parts === null || Number(parts[2] ?? 0) > 65535) throw new TypeError('Invalid URL: ' + protocol + '://' + authority + ' (a host is an ASCII name or an IP address, with no user name or password)')
  const port = parts[2] === undefined || parts[2] === '' || Number(parts[2]) === (protocol === 'http' ? 80 : 443) ? '' : String(Number(parts[2]))
  const hostname = parts[1].toLowerCase()
  return {
    protocol: protocol + ':',
    hostname,
    port,
    host: hostname + (port === '' ? '' : ':' + port),
    pathname: serialized ? path : normalizePath(path),
    query: query === null || serialized ? query : percentEncode(query, QUERY_SET),
    fragment: fragment === null ? null : percentEncode(fragment, FRAGMENT_SET)
  }
}

// '.' and '..' segments (also written %2e) resolved, each segment percent-encoded; '\' is '/'
function normalizePath (path) {
  const segments = path.split(/[/\\]/)
  if (segments[0] === '') segments.shift()
  const out = []
  segments.forEach((segment, i) => {
    const dots = /^(?:\.|%2e){1,2}$/i.test(segment) ? segment.replace(/%2e/gi, '.') : ''
    if (dots === '..') out.pop()
    if (dots === '') out.push(percentEncode(segment, PATH_SET))
    else if (i === segments.length - 1) out.push('')
  })
  return '/' + out.join('/')
}

class URL {
  #protocol; #hostname; #port; #pathname; #query; #fragment; #params = null
  constructor (input, base) {
    this.#set(parseUrl(input, base === undefined ? undefined : base instanceof URL ? base.#parts() : parseUrl(base)))
  }
  static {
    queryFromParams = (url, query) => { url.#query = query === '' ? null : query }
  }
  static canParse (input, base) {
    try { return new URL(input, base) !== null } catch { return false }
  }
  #set ({ protocol, hostname, port, pathname, query, fragment }) {
    this.#protocol = protocol; this.#hostname = hostname; this.#port = port; this.#pathname = pathname; this.#query = query; this.#fragment = fragment
    if (this.#params !== null) replacePairs(this.#params, query ?? '')
  }
  #parts () {
    return { protocol: this.#protocol, host: this.host, pathname: this.#pathname, query: this.#query }
  }
  get protocol () { return this.#protocol }
  get hostname () { return this.#hostname }
  get port () { return this.#port }
  get host () { return this.#hostname + (this.#port === '' ? '' : ':' + this.#port) }
  get origin () { return this.#protocol + '//' + this.host }
  get username () { return '' }
  get password () { return '' }
  get pathname () { return this.#pathname }
  set pathname (value) { this.#pathname = normalizePath('/' + usv(value).replace(/[\t\n\r]/g, '').replace(/^[/\\]/, '')) }
  get search () { return this.#query === null || this.#query === '' ? '' : '?' + this.#query }
  set search (value) {
    value = usv(value).replace(/[\t\n\r]/g, '')
    this.#query = value === '' ? null : percentEncode(value.replace(/^\?/, ''), QUERY_SET)
    if (this.#params !== null) replacePairs(this.#params, this.#query ?? '')
  }
  get searchParams () {
    if (this.#params === null) {
      this.#params = new URLSearchParams(this.#query ?? '')
      linkParams(this.#params, this)
    }
    return this.#params
  }
  get hash () { return this.#fragment === null || this.#fragment === '' ? '' : '#' + this.#fragment }
  set hash (value) {
    value = usv(value).replace(/[\t\n\r]/g, '')
    this.#fragment = value === '' ? null : percentEncode(value.replace(/^#/, ''), FRAGMENT_SET)
  }
  get href () { return this.origin + this.#pathname + (this.#query === null ? '' : '?' + this.#query) + (this.#fragment === null ? '' : '#' + this.#fragment) }
  set href (value) { this.#set(parseUrl(value)) }
  toString () { return this.href }
  toJSON () { return this.href }
}`
