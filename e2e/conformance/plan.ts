import type { ConformanceCase, Expect } from './types.ts'

const PLACEHOLDER = /\{\{(etag_value|etag_header):([^}]+)\}\}/g
const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The ids of the cases whose responses this case's request headers refer to. */
export function referencedCases (testCase: ConformanceCase): string[] {
  const ids = Object.values(testCase.request.headers ?? {}).flatMap(value => [...value.matchAll(PLACEHOLDER)].map(match => match[2]))
  return [...new Set(ids)]
}

/**
 * The request headers with each placeholder replaced: `etag_header` by the referenced
 * response's Etag as sent, `etag_value` by it without `W/` and quotes. Names the first
 * referenced case that gave no Etag instead.
 */
export function resolveHeaders (headers: Record<string, string>, etagOf: (id: string) => string | undefined): { headers: Record<string, string> } | { missing: string } {
  const resolved: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    let missing: string | undefined
    resolved[name] = value.replaceAll(PLACEHOLDER, (_, kind: string, id: string) => {
      const etag = etagOf(id)
      if (etag == null) {
        missing ??= id
        return ''
      }
      return kind === 'etag_header' ? etag : etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
    })
    if (missing != null) return { missing }
  }
  return { headers: resolved }
}

/**
 * The corpus' order, except that a case another refers to is moved ahead of it. Throws on a
 * reference to a case that does not exist.
 */
export function runOrder (cases: ConformanceCase[]): ConformanceCase[] {
  const byId = new Map(cases.map(testCase => [testCase.id, testCase]))
  const ordered = new Set<ConformanceCase>()
  const place = (testCase: ConformanceCase, path: string[]): void => {
    if (ordered.has(testCase)) return
    for (const id of referencedCases(testCase)) {
      const referenced = byId.get(id)
      if (referenced == null || path.includes(id)) {
        throw new Error(`case ${testCase.id} refers to ${id}, which ${referenced == null ? 'is not in the corpus' : 'refers back to it'}`)
      }
      place(referenced, [...path, id])
    }
    ordered.add(testCase)
  }
  for (const testCase of cases) place(testCase, [testCase.id])
  return [...ordered]
}

/**
 * What each case must wait for: the cases it refers to, and every earlier case that asks
 * for the same URL on the same origin, so that requests whose answer may depend on what
 * came before (a cached block, a conditional request) keep the corpus' order. `cases` must
 * be in run order (see runOrder).
 */
export function dependencies (cases: ConformanceCase[]): Map<string, string[]> {
  const byUrl = new Map<string, string[]>()
  const result = new Map<string, string[]>()
  for (const testCase of cases) {
    const key = `${originKey(testCase)} ${testCase.request.target}`
    const earlier = byUrl.get(key) ?? []
    result.set(testCase.id, [...new Set([...referencedCases(testCase), ...earlier])])
    byUrl.set(key, [...earlier, testCase.id])
  }
  return result
}

/** The URL origin a case is sent to, on a gateway at `gateway` (`http://localhost:<port>`). */
export function originOf (testCase: ConformanceCase, gateway: string): string {
  const origin = testCase.request.origin
  if (origin.kind === 'path') return new URL(gateway).origin
  const url = new URL(gateway)
  url.hostname = `${origin.host_prefix}.${url.hostname}`
  return url.origin
}

function originKey (testCase: ConformanceCase): string {
  const origin = testCase.request.origin
  return origin.kind === 'path' ? 'path' : origin.host_prefix
}

/**
 * A page's fetch cannot read a redirect it was told not to follow (it sees an opaque
 * response), so cases that expect one are sent as a navigation instead.
 */
export function expectsRedirect (expect: Expect): boolean {
  return expect.status != null && REDIRECTS.has(expect.status)
}
