import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkCase, checkExpect } from './check.ts'
import type { Expect, Observed } from './check.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const response = (init: Partial<Observed> = {}): Observed => ({ status: 200, headers: {}, body: new Uint8Array(), ...init })
const check = async (expect: Expect, observed: Partial<Observed>): Promise<string[]> => checkExpect(expect, response(observed))

describe('status', () => {
  it('compares an exact status and a range', async () => {
    expect(await check({ status: 200 }, { status: 200 })).toEqual([])
    expect(await check({ status: 200 }, { status: 404 })).toEqual(['status: expected 200, got 404'])
    expect(await check({ status_range: [500, 599] }, { status: 599 })).toEqual([])
    expect(await check({ status_range: [500, 599] }, { status: 501 })).toEqual([])
    expect(await check({ status_range: [500, 599] }, { status: 200 })).toEqual(['status: expected 500–599, got 200'])
  })
})

describe('headers', () => {
  const headers = {
    'cache-control': 'public, max-age=60',
    'Content-Type': 'text/html; charset=utf-8',
    'Access-Control-Allow-Methods': 'GET, HEAD ,options',
    'X-Empty': ''
  }

  it('equals, case-insensitive names', async () => {
    expect(await check({ headers: { 'Cache-Control': { equals: 'public, max-age=60' } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Cache-Control': { equals: 'public' } } }, { headers }))
      .toEqual(['header Cache-Control: expected "public", got "public, max-age=60"'])
    expect(await check({ headers: { Etag: { equals: '"x"' } } }, { headers }))
      .toEqual(['header Etag: expected "\\"x\\"", but it is absent'])
  })

  it('contains, a string or every string of an array', async () => {
    expect(await check({ headers: { 'Content-Type': { contains: 'text/html' } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Content-Type': { contains: ['text/html', 'charset'] } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Cache-Control': { contains: 'immutable' } } }, { headers }))
      .toEqual(['header Cache-Control: expected to contain "immutable", got "public, max-age=60"'])
    expect(await check({ headers: { 'Content-Type': { contains: ['text/html', 'a', 'json'] } } }, { headers }))
      .toEqual(['header Content-Type: expected to contain "json", got "text/html; charset=utf-8"'])
  })

  it('matches, unanchored', async () => {
    expect(await check({ headers: { 'Content-Type': { matches: 'html;' } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Content-Type': { matches: '^html' } } }, { headers }))
      .toEqual(['header Content-Type: expected to match /^html/, got "text/html; charset=utf-8"'])
    expect(await check({ headers: { Location: { matches: '.*' } } }, { headers }))
      .toEqual(['header Location: expected to match /.*/, but it is absent'])
  })

  it('exists, not_empty, empty', async () => {
    expect(await check({ headers: { 'X-Empty': { exists: true }, 'Content-Type': { not_empty: true } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'X-Empty': { not_empty: true } } }, { headers }))
      .toEqual(['header X-Empty: expected a non-empty value, got ""'])
    expect(await check({ headers: { Etag: { exists: true } } }, { headers }))
      .toEqual(['header Etag: expected to be present, but it is absent'])
    expect(await check({ headers: { 'X-Empty': { empty: true }, Etag: { empty: true } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Cache-Control': { empty: true } } }, { headers }))
      .toEqual(['header Cache-Control: expected no value (absent or empty), got "public, max-age=60"'])
  })

  it('has_tokens: split on commas, trimmed, case-insensitive', async () => {
    expect(await check({ headers: { 'Access-Control-Allow-Methods': { has_tokens: ['GET', 'HEAD', 'OPTIONS'] } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Access-Control-Allow-Methods': { has_tokens: ['GET', 'POST', 'PUT'] } } }, { headers }))
      .toEqual(['header Access-Control-Allow-Methods: expected the tokens POST, PUT, got "GET, HEAD ,options"'])
  })

  it('max_age_at_least', async () => {
    expect(await check({ headers: { 'Cache-Control': { max_age_at_least: 60 } } }, { headers })).toEqual([])
    expect(await check({ headers: { 'Cache-Control': { max_age_at_least: 61 } } }, { headers }))
      .toEqual(['header Cache-Control: expected max-age of at least 61, got "public, max-age=60"'])
    expect(await check({ headers: { 'Cache-Control': { max_age_at_least: 1 } } }, { headers: { 'Cache-Control': 's-maxage=100' } }))
      .toHaveLength(1)
  })

  it('joins a header given more than once with ", "', async () => {
    const repeated: Observed['headers'] = [['Vary', 'Accept'], ['vary', 'Accept-Encoding']]
    expect(await check({ headers: { Vary: { equals: 'Accept, Accept-Encoding' } } }, { headers: repeated })).toEqual([])
  })

  it('reports every failed check of one header', async () => {
    expect(await check({ headers: { Etag: { equals: '"a"', matches: '^"b' } } }, { headers: { etag: '"c"' } })).toHaveLength(2)
  })
})

describe('body', () => {
  const text = 'hello application/vnd.ipld.raw\n'
  const body = bytes(text)
  const exact = {
    length: body.byteLength,
    sha256: createHash('sha256').update(body).digest('hex'),
    base64: Buffer.from(body).toString('base64'),
    utf8: text
  }

  it('exact: length and sha256', async () => {
    expect(await check({ body: { exact } }, { body })).toEqual([])
    const [failure] = await check({ body: { exact } }, { body: bytes('ppl') })
    expect(failure).toMatch(/^body: expected exactly 31 bytes "hello application\/vnd.ipld.raw\\n", got 3 bytes "ppl" sha256 [0-9a-f]{16}…$/)
  })

  it('contains, not_contains', async () => {
    expect(await check({ body: { contains: ['hello', 'raw'], not_contains: ['..'] } }, { body })).toEqual([])
    expect(await check({ body: { contains: ['Index of'] } }, { body }))
      .toEqual([`body: expected to contain "Index of", got 31 bytes ${JSON.stringify(text)}`])
    expect(await check({ body: { not_contains: ['ipld'] } }, { body }))
      .toEqual(['body: expected not to contain "ipld", but it does'])
  })

  it('contains_base64, on binary bodies', async () => {
    const binary = new Uint8Array([0xa1, 0x00, 0xff, 0x10, 0x20])
    expect(await check({ body: { contains_base64: [Buffer.from([0xff, 0x10]).toString('base64')] } }, { body: binary })).toEqual([])
    expect(await check({ body: { contains_base64: [Buffer.from([0x10, 0xff]).toString('base64')] } }, { body: binary }))
      .toEqual(['body: expected to contain the bytes EP8= (base64), got 5 bytes of binary'])
  })

  it('json_equals: parsed, deep, key order irrelevant', async () => {
    const json = bytes('{"b":[1,{"c":null}],"a":"x"}')
    expect(await check({ body: { json_equals: { a: 'x', b: [1, { c: null }] } } }, { body: json })).toEqual([])
    expect(await check({ body: { json_equals: { a: 'y', b: [1, { c: null }] } } }, { body: json })).toHaveLength(1)
    expect((await check({ body: { json_equals: {} } }, { body }))[0]).toMatch(/which is not JSON$/)
  })

  it('empty', async () => {
    expect(await check({ body: { empty: true } }, { body: new Uint8Array() })).toEqual([])
    expect(await check({ body: { empty: true } }, { body })).toEqual([`body: expected no bytes, got 31 bytes ${JSON.stringify(text)}`])
  })
})

describe('any_of', () => {
  const range = { status: 206, headers: { 'Content-Range': { equals: 'bytes 7-9/31' } } }
  const full = { status: 200 }

  it('passes when the common checks and one alternative pass', async () => {
    const expect_: Expect = { headers: { 'Content-Type': { contains: 'raw' } }, any_of: [range, full] }
    expect(await check(expect_, { status: 200, headers: { 'content-type': 'application/vnd.ipld.raw' } })).toEqual([])
    expect(await check(expect_, { status: 206, headers: { 'content-type': 'application/vnd.ipld.raw', 'content-range': 'bytes 7-9/31' } })).toEqual([])
  })

  it('fails on a common check even when an alternative passes', async () => {
    expect(await check({ headers: { 'Content-Type': { contains: 'raw' } }, any_of: [full] }, { status: 200 }))
      .toEqual(['header Content-Type: expected to contain "raw", but it is absent'])
  })

  it('names what each alternative missed when none passes', async () => {
    expect(await check({ any_of: [range, full] }, { status: 404 })).toEqual([
      'any_of: none of the 2 alternatives holds: (1) status: expected 206, got 404; header Content-Range: expected "bytes 7-9/31", but it is absent | (2) status: expected 200, got 404'
    ])
  })
})

describe('checkCase', () => {
  it('reports informative checks apart, never as failures', async () => {
    const result = await checkCase({ expect: { status: 200 }, informative: { body: { contains: ['Index of'] } } }, response({ body: bytes('<ul>') }))
    expect(result.failures).toEqual([])
    expect(result.informative).toEqual(['body: expected to contain "Index of", got 4 bytes "<ul>"'])
  })

  it('has no informative result for a case without informative checks', async () => {
    expect(await checkCase({ expect: { status: 200 } }, response())).toEqual({ failures: [], informative: undefined })
  })
})
