import type { HeaderCheck, Observed } from './types.ts'

/** Lower-cased names; a header seen more than once is joined with ", ", as the corpus compares it. */
export function headerMap (headers: Observed['headers']): Map<string, string> {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers)
  const map = new Map<string, string>()
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    const seen = map.get(key)
    map.set(key, seen == null ? value : `${seen}, ${value}`)
  }
  return map
}

/** The failed checks on one header, each a readable sentence; none when all pass. */
export function checkHeader (name: string, check: HeaderCheck, headers: Map<string, string>): string[] {
  const value = headers.get(name.toLowerCase())
  const got = value == null ? 'but it is absent' : `got ${JSON.stringify(value)}`
  const fail = (expected: string): string => `header ${name}: expected ${expected}, ${got}`
  const failures: string[] = []

  if (check.equals != null && value !== check.equals) {
    failures.push(fail(JSON.stringify(check.equals)))
  }
  if (check.contains != null) {
    const wanted = Array.isArray(check.contains) ? check.contains : [check.contains]
    const missing = wanted.filter(part => value?.includes(part) !== true)
    if (missing.length > 0) {
      failures.push(fail(`to contain ${missing.map(part => JSON.stringify(part)).join(' and ')}`))
    }
  }
  if (check.matches != null && (value == null || !new RegExp(check.matches).test(value))) {
    failures.push(fail(`to match /${check.matches}/`))
  }
  if (check.exists === true && value == null) {
    failures.push(fail('to be present'))
  }
  if (check.not_empty === true && (value == null || value === '')) {
    failures.push(fail('a non-empty value'))
  }
  if (check.empty === true && value != null && value !== '') {
    failures.push(fail('no value (absent or empty)'))
  }
  if (check.has_tokens != null) {
    const tokens = new Set((value ?? '').split(',').map(token => token.trim().toLowerCase()))
    const missing = check.has_tokens.filter(token => !tokens.has(token.toLowerCase()))
    if (missing.length > 0) {
      failures.push(fail(`the tokens ${missing.join(', ')}`))
    }
  }
  if (check.max_age_at_least != null) {
    const maxAge = maxAgeOf(value)
    if (maxAge == null || maxAge < check.max_age_at_least) {
      failures.push(fail(`max-age of at least ${check.max_age_at_least}`))
    }
  }
  return failures
}

/** The `max-age` directive of a Cache-Control value (not `s-maxage`), if there is one. */
function maxAgeOf (value: string | undefined): number | undefined {
  for (const directive of (value ?? '').split(',')) {
    const [key, arg] = directive.trim().split('=', 2)
    if (key.toLowerCase() === 'max-age' && arg != null && /^"?\d+"?$/.test(arg)) {
      return Number(arg.replaceAll('"', ''))
    }
  }
  return undefined
}
