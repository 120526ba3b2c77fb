import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EDGE_USAGE, parseEdgeArgs } from '../bin/parse-edge-args.ts'
import { startEdge } from '../node/start-edge.ts'
import type { Edge } from '../node/types.ts'

const ABSENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const TIMEOUT_MS = 500

/** Functions published the way an operator would: files handed to `--serve` */
const FUNCTIONS: Record<string, string> = {
  'hello.js': 'export default async (request) => new Response(`hello from ${new URL(request.url).pathname}`)',
  'echo.js': `export default async (request) => {
    const body = await request.json()
    return Response.json({ method: request.method, query: new URL(request.url).searchParams.get('q'), body })
  }`,
  'loop.js': 'export default async () => { for (;;) {} }',
  'escape.js': `export default async (request) => {
    const what = new URL(request.url).pathname
    if (what === '/fetch') await fetch('http://127.0.0.1:1/')
    if (what === '/fs') await import('node:fs')
    return new Response('not reached')
  }`,
  'throws.js': 'export default async () => { throw new Error("no such order") }',
  'headers.js': 'export default async () => new Response("{}", { headers: { "content-type": "application/json", "x-order": "7", "etag": "\\"v1\\"", "cache-control": "max-age=60", "content-security-policy": "default-src \'none\'", "set-cookie": "session=theirs; Domain=127.0.0.1; Path=/", "clear-site-data": "\\"cookies\\"", "x-edgeway-verified": "recompute" } })',
  'many-headers.js': `export default async (request) => {
    const count = Number(new URL(request.url).searchParams.get('n'))
    const headers = new Headers()
    for (let i = 0; i < count; i++) headers.set('x-' + i, 'v')
    return new Response('', { headers })
  }`,
  'redirect.js': `export default async (request) => {
    const url = new URL(request.url)
    if (url.pathname === '/away') return Response.redirect('https://example.com/elsewhere', 302)
    if (url.pathname.endsWith('/relative')) return new Response(null, { status: 303, headers: { location: 'moved?to=relative' } })
    if (url.pathname === '/moved') return new Response('moved here')
    return Response.redirect(new URL('/moved?x=1#top', request.url), 301)
  }`,
  'credentials.js': 'export default async (request) => Response.json(["cookie", "authorization", "proxy-authorization", "x-api-key"].map(name => request.headers.get(name)))',
  'status.js': 'export default async (request) => new Response("a body", { status: Number(new URL(request.url).pathname.slice(1)) })',
  'page.html': '<!doctype html><title>not a function</title>\n'
}

describe('--functions', () => {
  it('is off unless given', () => {
    expect(parseEdgeArgs([]).functions).toBe(false)
    expect(parseEdgeArgs(['--functions']).functions).toBe(true)
    expect(EDGE_USAGE).toContain('--functions')
  })

  it('takes the origins functions may fetch, only with --functions, only as origins', () => {
    expect(parseEdgeArgs(['--functions', '--functions-fetch', 'https://api.example']).functions).toEqual({ grants: { fetchOrigins: ['https://api.example'] } })
    expect(() => parseEdgeArgs(['--functions-fetch', 'https://api.example'])).toThrow(/needs --functions/)
    for (const bad of ['api.example', 'https://api.example/path', 'ftp://api.example']) {
      expect(() => parseEdgeArgs(['--functions', '--functions-fetch', bad]), bad).toThrow(/an origin/)
    }
  })
})

describe('edge functions', () => {
  let dir: string
  let edge: Edge
  let off: Edge
  const cids: Record<string, string> = {}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-functions-test-'))
    await mkdir(join(dir, 'folder'))
    await writeFile(join(dir, 'folder', 'a.js'), 'export default async () => new Response("")')
    for (const [name, source] of Object.entries(FUNCTIONS)) {
      await writeFile(join(dir, name), source)
    }
    const serve = [...Object.keys(FUNCTIONS), 'folder'].map(name => join(dir, name))
    edge = await startEdge({ serve, functions: { workers: 2, limits: { timeoutMs: TIMEOUT_MS, maxRequestBytes: 1024 } } })
    off = await startEdge({ serve: [join(dir, 'hello.js')] })
    for (const name of [...Object.keys(FUNCTIONS), 'folder']) {
      cids[name] = edge.info.roots[join(dir, name)]
    }
  })

  afterAll(async () => {
    await edge?.stop()
    await off?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const call = async (name: string, path = '/', init?: RequestInit): Promise<Response> => fetch(`${edge.info.http}/fn/${cids[name] ?? name}${path}`, init)

  it('runs hello world, marked with its CID and timed', async () => {
    const response = await call('hello.js', '/greet')

    expect(response.status).toBe(200)
    expect(await response.text()).toBe('hello from /greet')
    expect(response.headers.get('x-edgeway-function')).toBe(cids['hello.js'])
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    // opened in a browser, a function's page runs no script on the edge's origin
    expect(response.headers.get('content-security-policy')).toBe('sandbox')
    expect(response.headers.get('server-timing')).toMatch(/^fetch;dur=[\d.]+, compile;dur=[\d.]+(;desc="warm")?, run;dur=[\d.]+$/)
    // a page elsewhere may read the call's own headers (and the safelisted ones), not those of content
    expect(response.headers.get('access-control-expose-headers')).toBe('Server-Timing, X-Edgeway-Function')

    const again = await call('hello.js', '/greet')
    expect(await again.text()).toBe('hello from /greet')
    expect(again.headers.get('server-timing')).toContain('compile;dur=0.00;desc="warm"')
  })

  it('lets a page elsewhere read the headers a function chose to send', async () => {
    const response = await call('headers.js')
    expect(response.headers.get('x-order')).toBe('7')
    expect(response.headers.get('access-control-expose-headers')).toBe('Server-Timing, X-Edgeway-Function, x-order, etag, content-security-policy')
    // its own storing rules replace the edge's no-store; its own CSP joins the edge's sandbox
    expect(response.headers.get('cache-control')).toBe('max-age=60')
    expect(response.headers.get('content-security-policy')).toBe("sandbox, default-src 'none'")
    // what would act on the caller's browser beyond the answer, or claim a check the caller did not make, is dropped
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(response.headers.get('clear-site-data')).toBeNull()
    expect(response.headers.get('x-edgeway-verified')).toBeNull()
  })

  it('answers 502 for more headers than a response may carry, and sends up to that many', async () => {
    const most = await call('many-headers.js', '/?n=99')
    expect(most.status).toBe(200)
    expect(most.headers.get('x-98')).toBe('v')

    // each name would cost the edge's thread work to send: a function cannot hand it thousands
    const over = await call('many-headers.js', '/?n=20000')
    expect(over.status).toBe(502)
    expect(await over.text()).toContain('over the 100 header limit')
  })

  it('points a redirect within the function\'s own URL space at its /fn/ URL, and leaves one elsewhere as it is', async () => {
    const within = await call('redirect.js', '/old', { redirect: 'manual' })
    expect(within.status).toBe(301)
    expect(within.headers.get('location')).toBe(`/fn/${cids['redirect.js']}/moved?x=1#top`)
    const relative = await call('redirect.js', '/sub/relative', { redirect: 'manual' })
    expect(relative.headers.get('location')).toBe(`/fn/${cids['redirect.js']}/sub/moved?to=relative`)
    expect((await call('redirect.js', '/away', { redirect: 'manual' })).headers.get('location')).toBe('https://example.com/elsewhere')

    // followed, as fetch() follows it, the call lands on the function again
    const followed = await call('redirect.js', '/old')
    expect(followed.status).toBe(200)
    expect(await followed.text()).toBe('moved here')
  })

  it('passes a function no Host that is not a host name, and still runs it', async () => {
    const { status, text } = await new Promise<{ status: number, text: string }>((resolve, reject) => {
      const req = request(`${edge.info.http}/fn/${cids['hello.js']}/odd`, { headers: { host: 'not a host/..' } }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => { text += chunk.toString() })
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, text }) })
      })
      req.on('error', reject)
      req.end()
    })
    expect({ status, text }).toEqual({ status: 200, text: 'hello from /odd' })
    // nor one whose port no URL can have
    const { port } = new URL(edge.info.http)
    const socket = connect(Number(port), '127.0.0.1')
    const answer = await new Promise<string>((resolve, reject) => {
      let text = ''
      socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
      socket.on('end', () => { resolve(text) })
      socket.on('error', reject)
      socket.write(`GET /fn/${cids['hello.js']}/odd HTTP/1.1\r\nHost: edge.test:70000\r\nConnection: close\r\n\r\n`)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(answer).toContain('hello from /odd')
  })

  it('hands a function none of the credentials a browser adds for the edge\'s origin, which every function shares', async () => {
    const response = await call('credentials.js', '/', { headers: { cookie: 'session=s3cret', authorization: 'Basic dXNlcjpwYXNz', 'proxy-authorization': 'Basic cHJveHk=', 'x-api-key': 'chosen' } })
    expect(await response.json()).toEqual([null, null, null, 'chosen'])
  })

  it('answers HEAD with the headers a GET gets, and no body', async () => {
    const head = await call('hello.js', '/greet', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    expect(head.headers.get('content-length')).toBe(String('hello from /greet'.length))
    expect(head.headers.get('x-edgeway-function')).toBe(cids['hello.js'])
    expect(await head.text()).toBe('')
  })

  it('sends no body with a status that has none (204, 205, 304), whatever the function gave', async () => {
    for (const status of [204, 205, 304]) {
      // read off the socket: a client's own parser would take stray bytes for the next answer
      const socket = connect(Number(new URL(edge.info.http).port), '127.0.0.1')
      socket.write(`GET /fn/${cids['status.js']}/${status} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
      let wire = ''
      for await (const chunk of socket) wire += String(chunk)
      expect(wire.startsWith(`HTTP/1.1 ${status} `), wire).toBe(true)
      expect(wire.slice(wire.indexOf('\r\n\r\n') + 4), String(status)).toBe('')
      expect(/\r\ncontent-length: [1-9]/i.test(wire), wire).toBe(false)
    }
  })

  it('echoes the JSON body of a POST', async () => {
    const response = await call('echo.js', '/?q=x', { method: 'POST', body: JSON.stringify({ n: 1, s: 'ü' }), headers: { 'content-type': 'application/json' } })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({ method: 'POST', query: 'x', body: { n: 1, s: 'ü' } })
  })

  it('answers 504 for a function that loops forever, and answers others meanwhile', async () => {
    const started = performance.now()
    const looping = call('loop.js').then(async response => ({ status: response.status, text: await response.text(), at: performance.now() - started }))
    await new Promise(resolve => setTimeout(resolve, 50))
    const hello = await call('hello.js')
    const helloAt = performance.now() - started

    expect(hello.status).toBe(200)
    const loop = await looping
    expect(loop.status).toBe(504)
    expect(loop.text).toContain(`${TIMEOUT_MS} ms time limit`)
    expect(helloAt).toBeLessThan(loop.at)
  })

  it('denies the network and the file system', async () => {
    const fetched = await call('escape.js', '/fetch')
    expect(fetched.status).toBe(500)
    expect(await fetched.text()).toBe("ReferenceError: 'fetch' is not defined\n")

    const fs = await call('escape.js', '/fs')
    expect(fs.status).toBe(500)
    expect(await fs.text()).toContain("could not load module 'node:fs'")
  })

  it('answers 500 with only the message when a function throws', async () => {
    const response = await call('throws.js')
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('Error: no such order\n')
  })

  it('answers 400 for content that is not a function module, and for a bad CID', async () => {
    const page = await call('page.html')
    expect(page.status).toBe(400)
    expect(await page.text()).toContain(`${cids['page.html']} is not a function module`)

    const folder = await call('folder')
    expect(folder.status).toBe(400)
    expect(await folder.text()).toContain('directory')

    const bad = await call('not-a-cid')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('not a CID')
  })

  it('answers 400 for a CID that cannot name a module: code carried in the CID itself, or a codec a module is not', async () => {
    // an identity CID holds its bytes: the caller's own code, named by no hash, which no operator chose to serve
    const inline = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('export default async () => new Response("anyone\'s code")'))).toString()
    const carried = await call(inline)
    expect(carried.status).toBe(400)
    expect(await carried.text()).toContain('identity')

    // a module the edge holds, asked for under another codec: the same hash, bytes that are not that codec
    const held = CID.parse(cids['hello.js'])
    for (const code of [0x70, 0x71, 0x0129, 0x72]) {
      const response = await call(CID.createV1(code, held.multihash).toString())
      expect(response.status, `codec 0x${code.toString(16)}`).toBe(400)
      expect(await response.text()).toContain('not a function module')
    }
  })

  it('answers 404 for a module the edge does not hold', async () => {
    const response = await call(ABSENT)
    expect(response.status).toBe(404)
    expect(response.headers.get('x-edgeway-function')).toBe(ABSENT)
    // an answer about a call is sandboxed as the call's own answers are
    expect(response.headers.get('content-security-policy')).toBe('sandbox')
  })

  it('answers 413 for a request body over the limit', async () => {
    const response = await call('echo.js', '/', { method: 'POST', body: 'x'.repeat(2048) })
    expect(response.status).toBe(413)
    expect(response.headers.get('content-security-policy')).toBe('sandbox')
  })

  it('says in /info whether it runs functions, and answers 501 at /fn/ when it does not', async () => {
    expect((await (await fetch(`${edge.info.http}/info`)).json()).functions).toBe(true)
    expect((await (await fetch(`${off.info.http}/info`)).json()).functions).toBe(false)

    const response = await fetch(`${off.info.http}/fn/${off.info.roots[join(dir, 'hello.js')]}/`)
    expect(response.status).toBe(501)
    expect(await response.text()).toContain('--functions')
  })
})

describe('edge functions, all workers busy', () => {
  let dir: string
  let edge: Edge

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-functions-busy-'))
    await writeFile(join(dir, 'loop.js'), FUNCTIONS['loop.js'])
    await writeFile(join(dir, 'hello.js'), FUNCTIONS['hello.js'])
    edge = await startEdge({ serve: [join(dir, 'loop.js'), join(dir, 'hello.js')], functions: { workers: 1, maxQueued: 1, limits: { timeoutMs: 1_000 } } })
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers 503 once its queue is full, and the calls it took still get their answers', async () => {
    // once the worker is up (its first answer), the loop runs and the next call waits
    expect((await fetch(`${edge.info.http}/fn/${edge.info.roots[join(dir, 'hello.js')]}/`)).status).toBe(200)
    const url = `${edge.info.http}/fn/${edge.info.roots[join(dir, 'loop.js')]}/`
    const running = fetch(url)
    // the first call is in the worker before the next one comes
    await new Promise(resolve => setTimeout(resolve, 100))
    const waiting = fetch(url)
    await new Promise(resolve => setTimeout(resolve, 100))

    const refused = await fetch(url)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('x-edgeway-function')).toBe(edge.info.roots[join(dir, 'loop.js')])
    expect(await refused.text()).toContain('1 calls are waiting')

    expect((await running).status).toBe(504)
    expect((await waiting).status).toBe(504)
  })
})

describe('edge functions, request bodies held', () => {
  let dir: string
  let edge: Edge
  let url: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-functions-bodies-'))
    await writeFile(join(dir, 'echo.js'), FUNCTIONS['echo.js'])
    edge = await startEdge({ serve: [join(dir, 'echo.js')], functions: { workers: 1, limits: { maxRequestBytes: 1024 }, heldBodyBytes: 4096 } })
    url = `${edge.info.http}/fn/${edge.info.roots[join(dir, 'echo.js')]}/`
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('holds request bodies up to its budget, all calls together: past it a POST gets 503 at once, and the budget comes back', async () => {
    // callers that declare a whole body, send a little of it, and wait
    const stalled = await Promise.all(Array.from({ length: 4 }, async () => new Promise<import('node:net').Socket>((resolve, reject) => {
      const { port } = new URL(url)
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST ${new URL(url).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n{"a":`)
        resolve(socket)
      })
      socket.on('error', reject)
    })))
    try {
      // the edge has read their heads
      await new Promise(resolve => setTimeout(resolve, 200))
      const refused = await fetch(url, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } })
      expect(refused.status).toBe(503)
      expect(await refused.text()).toContain('request bodies')
      // a call without a body takes none of it
      expect((await fetch(`${url}?q=x`)).status).not.toBe(503)
    } finally {
      stalled.forEach(socket => socket.destroy())
    }
    await new Promise(resolve => setTimeout(resolve, 200))
    const taken = await fetch(url, { method: 'POST', body: '{"n":2}', headers: { 'content-type': 'application/json' } })
    expect(taken.status).toBe(200)
    expect(await taken.json()).toEqual({ method: 'POST', query: null, body: { n: 2 } })
  })
})
