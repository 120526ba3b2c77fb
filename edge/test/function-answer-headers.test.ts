import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import type { Edge } from '../node/types.ts'

/** Answers with every query parameter as a header of its own */
const HEADERS_FROM_QUERY = `export default async (request) => {
  const headers = new Headers()
  for (const [name, value] of new URL(request.url).searchParams) headers.append(name, value)
  return new Response('x', { headers })
}`

describe('edge functions, headers of the answer', () => {
  let dir: string
  let edge: Edge
  let cid: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-function-headers-'))
    await writeFile(join(dir, 'headers.js'), HEADERS_FROM_QUERY)
    edge = await startEdge({ serve: [join(dir, 'headers.js')], functions: { workers: 1 } })
    cid = edge.info.roots[join(dir, 'headers.js')]
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('drops the headers that would act on the whole origin every function of the edge shares', async () => {
    const originWide: Array<[string, string]> = [
      ['nel', '{"report_to":"g","max_age":31536000,"success_fraction":1.0,"include_subdomains":true}'],
      ['report-to', '{"group":"g","max_age":31536000,"endpoints":[{"url":"https://collector.example/r"}]}'],
      ['reporting-endpoints', 'g="https://collector.example/r"'],
      ['strict-transport-security', 'max-age=63072000; includeSubDomains'],
      ['alt-svc', 'h3=":443"; ma=2592000'],
      ['accept-ch', 'Sec-CH-UA-Model'],
      ['critical-ch', 'Sec-CH-UA-Model']
    ]
    const response = await fetch(`${edge.info.http}/fn/${cid}/?${new URLSearchParams([...originWide, ['x-kept', 'yes']])}`)
    expect(response.status).toBe(200)
    for (const [name] of originWide) {
      expect(response.headers.get(name), name).toBeNull()
    }
    expect(response.headers.get('x-kept')).toBe('yes')
    expect(response.headers.get('access-control-expose-headers')).toBe('Server-Timing, X-Edgeway-Function, x-kept')
  })

  it('answers with the edge\'s own CORS headers only: a function\'s cannot widen or join them', async () => {
    const response = await fetch(`${edge.info.http}/fn/${cid}/?${new URLSearchParams([
      ['access-control-allow-origin', 'https://evil.example'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['access-control-expose-headers', 'x-secret'],
      ['access-control-allow-methods', 'PUT']
    ])}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-credentials')).toBeNull()
    expect(response.headers.get('access-control-expose-headers')).toBe('Server-Timing, X-Edgeway-Function')
    expect(response.headers.get('access-control-allow-methods')).toBeNull()
  })

  it('answers a method it does not run with 405, saying which it does, marked with the CID when that is one', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${edge.info.http}/fn/${cid}/any/path`, { method })
      expect(response.status, method).toBe(405)
      expect(response.headers.get('allow'), method).toBe('GET, HEAD, POST')
      expect(response.headers.get('x-edgeway-function'), method).toBe(cid)
    }
    const notACid = await fetch(`${edge.info.http}/fn/not-a-cid/`, { method: 'PUT' })
    expect(notACid.status).toBe(405)
    expect(notACid.headers.get('allow')).toBe('GET, HEAD, POST')
    expect(notACid.headers.get('x-edgeway-function')).toBeNull()
    // every route of the edge says what it allows
    const content = await fetch(`${edge.info.http}/ipfs/${cid}`, { method: 'POST' })
    expect(content.status).toBe(405)
    expect(content.headers.get('allow')).toBe('GET, HEAD')
  })

  it('sends /fn/<cid> to /fn/<cid>/, query kept, so the function\'s relative links resolve under it', async () => {
    const response = await fetch(`${edge.info.http}/fn/${cid}?x-a=1`, { redirect: 'manual' })
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe(`/fn/${cid}/?x-a=1`)
    expect(response.headers.get('x-edgeway-function')).toBe(cid)
    // followed, it is the function's answer
    expect((await fetch(`${edge.info.http}/fn/${cid}?x-a=1`)).headers.get('x-a')).toBe('1')
    // a POST is answered where it was sent
    expect((await fetch(`${edge.info.http}/fn/${cid}?x-b=2`, { method: 'POST', body: 'x' })).headers.get('x-b')).toBe('2')
  })
})
