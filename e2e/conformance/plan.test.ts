import { describe, expect, it } from 'vitest'
import { dependencies, expectsRedirect, originOf, referencedCases, resolveHeaders, runOrder } from './plan.ts'
import { makeCase } from './make-case.ts'

describe('two-step cases', () => {
  const inm = makeCase('inm', { headers: { 'If-None-Match': 'W/"{{etag_value:first}}"', Accept: 'text/html' } })
  const exact = makeCase('exact', { headers: { 'If-None-Match': '{{etag_header:first}}' } })

  it('finds the cases a request refers to', () => {
    expect(referencedCases(inm)).toEqual(['first'])
    expect(referencedCases(makeCase('plain'))).toEqual([])
  })

  it('etag_value drops W/ and the quotes; etag_header keeps the header as sent', () => {
    const etag = (): string => 'W/"DirIndex-abc_CID-bafy"'
    expect(resolveHeaders(inm.request.headers!, etag)).toEqual({ headers: { 'If-None-Match': 'W/"DirIndex-abc_CID-bafy"', Accept: 'text/html' } })
    expect(resolveHeaders(exact.request.headers!, etag)).toEqual({ headers: { 'If-None-Match': 'W/"DirIndex-abc_CID-bafy"' } })
    expect(resolveHeaders(inm.request.headers!, () => '"bafy"')).toEqual({ headers: { 'If-None-Match': 'W/"bafy"', Accept: 'text/html' } })
  })

  it('names the referenced case that gave no Etag', () => {
    expect(resolveHeaders(exact.request.headers!, () => undefined)).toEqual({ missing: 'first' })
  })

  it('moves a referenced case ahead of the case that refers to it, and rejects unknown references', () => {
    const first = makeCase('first')
    expect(runOrder([inm, makeCase('other'), first]).map(c => c.id)).toEqual(['first', 'inm', 'other'])
    expect(() => runOrder([inm])).toThrow(/inm refers to first, which is not in the corpus/)
  })
})

describe('dependencies', () => {
  it('keeps requests for the same URL on the same origin in order, and waits for referenced cases', () => {
    const cases = [
      makeCase('a', { target: '/ipfs/x?format=raw' }),
      makeCase('b', { target: '/ipfs/y' }),
      makeCase('c', { target: '/ipfs/x?format=raw', headers: { 'Cache-Control': 'only-if-cached' } }),
      makeCase('d', { target: '/ipfs/x?format=raw', origin: { kind: 'subdomain', host_prefix: 'bafy.ipfs' } }),
      makeCase('e', { target: '/ipfs/z', headers: { 'If-None-Match': '{{etag_header:b}}' } })
    ]
    expect(Object.fromEntries(dependencies(cases))).toEqual({ a: [], b: [], c: ['a'], d: [], e: ['b'] })
  })
})

describe('originOf', () => {
  it('is the gateway for path cases and <host_prefix>.<gateway host> for subdomain cases', () => {
    expect(originOf(makeCase('p'), 'http://localhost:8080')).toBe('http://localhost:8080')
    expect(originOf(makeCase('s', { origin: { kind: 'subdomain', host_prefix: 'bafybeib5l.ipfs' } }), 'http://localhost:8080'))
      .toBe('http://bafybeib5l.ipfs.localhost:8080')
  })
})

describe('expectsRedirect', () => {
  it('is true for the redirect statuses only, not 304', () => {
    expect([301, 302, 303, 307, 308].every(status => expectsRedirect({ status }))).toBe(true)
    expect(expectsRedirect({ status: 304 })).toBe(false)
    expect(expectsRedirect({ status: 200 })).toBe(false)
    expect(expectsRedirect({ any_of: [{ status: 301 }] })).toBe(false)
  })
})
