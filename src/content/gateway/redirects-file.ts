import { ContentError } from '../../lib/errors.ts'

/** The spec's limit on a `_redirects` file. */
export const MAX_REDIRECTS_FILE_SIZE = 64 * 1024

const ALLOWED_STATUSES = new Set([200, 301, 302, 303, 307, 308, 404, 410, 451])

export interface RedirectRule {
  from: RegExp
  to: string
  status: number
  /** Where the rule is in the file, and its text: an error names the rule the site's owner must fix */
  line: number
  text: string
}

/** What a matching rule says to do with a request for a missing path. */
export type RedirectOutcome =
  | { kind: 'redirect', status: number, location: string }
  /** Answer with the content at `path`, with `status` (200 rewrites, custom 404/410/451 pages) */
  | { kind: 'rewrite', status: number, path: string }

/**
 * A `_redirects` file (https://specs.ipfs.tech/http-gateways/web-redirects-file/)
 * as rules. A file the gateway cannot use is an error the site's owner must
 * see (500), not something to guess around: too large, a line without a
 * target, a status that is not a number or not allowed, a repeated placeholder.
 */
export function parseRedirects (text: string): RedirectRule[] {
  if (new TextEncoder().encode(text).byteLength > MAX_REDIRECTS_FILE_SIZE) {
    throw new RedirectsFileError(`the redirects file size cannot exceed ${MAX_REDIRECTS_FILE_SIZE} bytes`)
  }
  const rules: RedirectRule[] = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) {
      continue
    }
    const [from, to, code, ...rest] = line.split(/\s+/)
    if (to == null || rest.length > 0 || !from.startsWith('/')) {
      throw new RedirectsFileError(`line ${index + 1} is not "<from> <to> [status]": ${line}`)
    }
    if (code != null && !/^\d{3}$/.test(code)) {
      throw new RedirectsFileError(`line ${index + 1} has an invalid status "${code}"`)
    }
    const status = code == null ? 301 : Number(code)
    if (!ALLOWED_STATUSES.has(status)) {
      throw new RedirectsFileError(`line ${index + 1} has the unsupported status ${status}`)
    }
    // a target off the site is refused when the rule applies (below), like one the placeholders take off it
    rules.push({ from: fromPattern(from, index + 1), to, status, line: index + 1, text: line })
  }
  return rules
}

/**
 * The first rule matching `path` (decoded, starting with '/'), applied;
 * undefined when none does. Its target, placeholders filled (their values
 * percent-encoded), must be a path of this site: a rule that would send the
 * browser (or a rewrite) anywhere else throws `UnsafeRedirectError` (500).
 */
export function applyRedirects (rules: RedirectRule[], path: string, search: string): RedirectOutcome | undefined {
  for (const rule of rules) {
    const match = rule.from.exec(path)
    if (match == null) {
      continue
    }
    let to = rule.to
    for (const [name, value] of Object.entries(match.groups ?? {})) {
      to = to.replaceAll(`:${name}`, encodePathValue(value))
    }
    checkOnSite(to, rule)
    if (rule.status >= 300 && rule.status < 400) {
      return { kind: 'redirect', status: rule.status, location: withQuery(to, search) }
    }
    return { kind: 'rewrite', status: rule.status, path: to }
  }
  return undefined
}

export class RedirectsFileError extends ContentError {
  static name = 'RedirectsFileError'
  name = 'RedirectsFileError'

  constructor (message: string) {
    super(`could not parse _redirects: ${message}`, 500)
  }
}

/**
 * A rule whose target, as the browser would read it, leaves the site: its
 * `Location` (or rewrite) would hand the visitor to another origin.
 */
export class UnsafeRedirectError extends ContentError {
  static name = 'UnsafeRedirectError'
  name = 'UnsafeRedirectError'

  constructor (rule: RedirectRule) {
    super(`_redirects line ${rule.line} ("${rule.text}") leads off this site: a target must be a path of it, starting with a single "/"`, 500)
  }
}

/** Resolves relative targets in `checkOnSite`; `.invalid` is never a real host. */
const SITE = 'http://site.invalid'

/**
 * Throws unless `target` stays on the site. A browser reads `//host`, `/\host`
 * and `\\host` as another host and any `scheme:` as another origin, and drops
 * tabs and newlines before it reads: so a target is a single `/` then no
 * second `/` or `\`, has no `\`, no control character or space, and the URL
 * parser a browser uses must agree it names this origin.
 */
function checkOnSite (target: string, rule: RedirectRule): void {
  if (!/^\/(?![/\\])/.test(target) || /[\\\u0000-\u0020\u007f]/.test(target)) {
    throw new UnsafeRedirectError(rule)
  }
  try {
    if (new URL(target, `${SITE}/a/b`).origin === SITE) {
      return
    }
  } catch {}
  throw new UnsafeRedirectError(rule)
}

/** A placeholder's value in a target: percent-encoded but for its `/`s, so it cannot add a query, a fragment, a `\` or a line break. */
function encodePathValue (value: string): string {
  return encodeURIComponent(value).replaceAll('%2F', '/')
}

function fromPattern (from: string, line: number): RegExp {
  const names = new Set<string>()
  const segments = from.split('/').map((segment, index, all) => {
    if (segment.startsWith(':')) {
      const name = segment.slice(1)
      if (!/^[a-zA-Z_]\w*$/.test(name) || names.has(name)) {
        throw new RedirectsFileError(`line ${line} has an invalid or repeated placeholder ":${name}"`)
      }
      names.add(name)
      return `(?<${name}>[^/]+)`
    }
    if (segment === '*' && index === all.length - 1) {
      return '(?<splat>.*)'
    }
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  })
  // `s`: a decoded path may hold line breaks; they are path characters here, encoded in any target
  return new RegExp(`^${segments.join('/')}/?$`, 's')
}

/** The request's query goes with a redirect, unless the rule's target has its own. */
function withQuery (to: string, search: string): string {
  return to.includes('?') || search === '' ? to : `${to}${search}`
}
