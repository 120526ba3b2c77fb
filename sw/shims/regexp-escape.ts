/**
 * `RegExp.escape` (ES2025) for the SW build, in place of the `regexp.escape`
 * package verified-fetch imports for `_redirects` rules: that one brings a
 * polyfill framework (get-intrinsic, es-abstract, call-bind: ~5 KiB gzip) a
 * first visit would parse for one function. Same results, code point for code
 * point (regexp-escape.test.ts checks it against the package).
 */

const SYNTAX = new Set('^$\\.*+?()[]{}|/')
const CONTROL: Record<string, string> = { '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r' }
const OTHER_PUNCTUATORS = new Set(',-=<>#&!%:;@~\'`"')
/** WhiteSpace and LineTerminator code points other than the control escapes */
const SPACES = new Set([0x20, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF])

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0')

function encode (c: string): string {
  if (SYNTAX.has(c)) return `\\${c}`
  if (CONTROL[c] != null) return `\\${CONTROL[c]}`
  const point = c.codePointAt(0)!
  if (OTHER_PUNCTUATORS.has(c) || SPACES.has(point) || (point >= 0xD800 && point <= 0xDFFF)) {
    return point <= 0xFF ? `\\x${hex(point, 2)}` : [...c].flatMap(part => Array.from({ length: part.length }, (_, i) => `\\u${hex(part.charCodeAt(i), 4)}`)).join('')
  }
  return c
}

export default function escape (text: string): string {
  if (typeof text !== 'string') {
    throw new TypeError('`S` must be a String')
  }
  let escaped = ''
  for (const c of text) {
    escaped += escaped === '' && /^[0-9A-Za-z]$/.test(c) ? `\\x${hex(c.charCodeAt(0), 2)}` : encode(c)
  }
  return escaped
}
