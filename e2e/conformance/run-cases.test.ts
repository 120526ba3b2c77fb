import { describe, expect, it } from 'vitest'
import { makeCase } from './make-case.ts'
import { runCases } from './run-cases.ts'
import type { ObserveRequest, Observer } from './observe.ts'
import type { ConformanceCase, ConformanceRequest, Expect } from './types.ts'

const testCase = (id: string, expect: Expect, request: Partial<ConformanceRequest> = {}): ConformanceCase => makeCase(id, request, expect)

/** Answers 200 with an Etag of the target, or 304 when If-None-Match is sent; records what it was asked. */
function fakeObserver (): Observer & { requests: ObserveRequest[] } {
  const requests: ObserveRequest[] = []
  return {
    requests,
    open: async () => undefined,
    openings: () => [],
    async observe (request) {
      requests.push(request)
      await new Promise(resolve => setTimeout(resolve, 5))
      if (request.target === '/broken') return { error: 'fetch failed: TypeError: Failed to fetch' }
      const status = request.headers['If-None-Match'] != null ? 304 : 200
      return { observed: { status, headers: { Etag: `"${request.target.slice(1)}"` }, body: new Uint8Array() } }
    }
  }
}

describe('runCases', () => {
  it('sends each case once, to its origin, as a navigation when it expects a redirect', async () => {
    const observer = fakeObserver()
    const outcomes = await runCases([
      testCase('a', { status: 200 }),
      testCase('b', { status: 301 }, { target: '/dir' }),
      testCase('c', { status: 200 }, { origin: { kind: 'subdomain', host_prefix: 'bafy.ipfs' }, target: '/' })
    ], { observer, gateway: 'http://localhost:1234' })
    expect(outcomes.map(o => [o.id, o.state, o.via])).toEqual([['a', 'passed', 'fetch'], ['b', 'failed', 'navigation'], ['c', 'passed', 'fetch']])
    expect(outcomes[1].failures).toEqual(['status: expected 301, got 200'])
    expect(observer.requests.map(r => [r.origin, r.target, r.navigate])).toEqual(expect.arrayContaining([
      ['http://localhost:1234', '/ipfs/x', false],
      ['http://localhost:1234', '/dir', true],
      ['http://bafy.ipfs.localhost:1234', '/', false]
    ]))
  })

  it('sends a two-step case after the case it refers to, with that Etag', async () => {
    const observer = fakeObserver()
    const outcomes = await runCases([
      testCase('second', { status: 304 }, { target: '/dirlist', headers: { 'If-None-Match': '"{{etag_value:first}}"' } }),
      testCase('first', { status: 200 }, { target: '/dirlist' })
    ], { observer, gateway: 'http://localhost:1234' })
    expect(outcomes.map(o => [o.id, o.state])).toEqual([['second', 'passed'], ['first', 'passed']])
    expect(observer.requests.map(r => r.headers)).toEqual([{}, { 'If-None-Match': '"dirlist"' }])
  })

  it('skips what it is told to, and the cases that refer to a skipped case', async () => {
    const outcomes = await runCases([
      testCase('first', { status: 200 }),
      testCase('second', { status: 304 }, { headers: { 'If-None-Match': '{{etag_header:first}}' } })
    ], { observer: fakeObserver(), gateway: 'http://localhost:1234', skip: c => c.id === 'first' ? 'no records' : undefined })
    expect(outcomes.map(o => [o.state, o.skipReason])).toEqual([['skipped', 'no records'], ['skipped', 'refers to first, which was skipped']])
  })

  it('fails a case with no response, and a two-step case whose reference gave no Etag', async () => {
    const outcomes = await runCases([
      testCase('first', { status: 200 }, { target: '/broken' }),
      testCase('second', { status: 304 }, { headers: { 'If-None-Match': '{{etag_header:first}}' } })
    ], { observer: fakeObserver(), gateway: 'http://localhost:1234' })
    expect(outcomes.map(o => o.failures)).toEqual([['fetch failed: TypeError: Failed to fetch'], ['two-step: case first gave no Etag to send']])
  })

  it('turns a check that throws into that case\'s failure', async () => {
    const outcomes = await runCases([testCase('bad', { headers: { Etag: { matches: '(' } } })], { observer: fakeObserver(), gateway: 'http://localhost:1234' })
    expect(outcomes[0].state).toBe('failed')
    expect(outcomes[0].failures[0]).toMatch(/^could not check the case: SyntaxError/)
  })
})
