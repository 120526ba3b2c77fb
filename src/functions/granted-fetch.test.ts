import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest } from './types.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const get = (path: string): FunctionRequest => ({ method: 'GET', url: `http://edge.test${path}`, headers: [], body: new Uint8Array(0) })

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Fetches `?url=` and answers what came back, or the error's name and message */
const PROXY = `export default async (request) => {
  const target = new URL(request.url).searchParams.get('url')
  try {
    const response = await fetch(target, { headers: { 'x-from': 'function' } })
    return new Response((await response.text()).toUpperCase(), { status: response.status })
  } catch (err) {
    return new Response(err.name + ': ' + err.message, { status: 599 })
  }
}`

describe('fetch granted by the operator', () => {
  let granted: Server
  let other: Server
  let grantedUrl: string
  let otherUrl: string
  let sandbox: FunctionSandbox
  let plain: FunctionSandbox
  // requests to /slow: in flight now, the most at once, and in all
  let concurrent = 0
  let most = 0
  let reached = 0

  beforeAll(async () => {
    granted = createServer((req, res) => {
      if (req.url === '/slow') {
        concurrent++
        reached++
        most = Math.max(most, concurrent)
        setTimeout(() => { concurrent--; res.writeHead(200).end('slow') }, 100)
        return
      }
      if (req.url === '/redirect') { res.writeHead(302, { location: `${otherUrl}/` }).end(); return }
      if (req.url === '/hang') return
      if (req.url === '/echo') {
        const chunks: Buffer[] = []
        req.on('data', (chunk: Buffer) => { chunks.push(chunk) })
        req.on('end', () => { res.writeHead(200).end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString() })) })
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`data for ${req.headers['x-from'] ?? 'nobody'}`)
    })
    other = createServer((_req, res) => { res.writeHead(200).end('other') })
    grantedUrl = await listen(granted)
    otherUrl = await listen(other)
    const wasm = await loadQuickJSWasm()
    sandbox = await createFunctionSandbox({ wasm, limits: { timeoutMs: 500 }, grants: { fetchOrigins: [grantedUrl] } })
    plain = await createFunctionSandbox({ wasm })
  })

  afterAll(async () => {
    await sandbox?.close()
    await plain?.close()
    granted?.closeAllConnections()
    granted?.close()
    other?.close()
  })

  const body = async (sandbox: FunctionSandbox, url: string): Promise<{ status: number, text: string }> => {
    const { response } = await sandbox.run('bafyproxy', PROXY, get(`/?url=${encodeURIComponent(url)}`))
    return { status: response.status, text: new TextDecoder().decode(response.body) }
  }

  it('lets a function fetch a granted origin', async () => {
    expect(await body(sandbox, `${grantedUrl}/data`)).toEqual({ status: 200, text: 'DATA FOR FUNCTION' })
  })

  it('sends a body with the Content-Type fetch() gives it, also a Request\'s own', async () => {
    const url = JSON.stringify(`${grantedUrl}/echo`)
    const source = `export default async () => Response.json(await Promise.all([
      fetch(${url}, { method: 'POST', body: new URLSearchParams({ grant_type: 'code', code: 'x y' }) }),
      fetch(${url}, { method: 'POST', body: 'hello' }),
      fetch(${url}, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } }),
      fetch(${url}, { method: 'POST', body: new Uint8Array([104, 105]) }),
      fetch(new Request(${url}, { method: 'POST', body: 'payload' }))
    ].map(async (answer) => (await answer).json())))`
    const { response } = await sandbox.run('bafybodies', source, get('/'))
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual([
      { method: 'POST', type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'grant_type=code&code=x+y' },
      { method: 'POST', type: 'text/plain;charset=UTF-8', body: 'hello' },
      { method: 'PUT', type: 'application/json', body: '{}' },
      { method: 'POST', type: null, body: 'hi' },
      { method: 'POST', type: 'text/plain;charset=UTF-8', body: 'payload' }
    ])
  })

  it('refuses any other origin, and a redirect out of the granted one', async () => {
    expect(await body(sandbox, `${otherUrl}/`)).toEqual({ status: 599, text: `TypeError: fetch to ${otherUrl} is not granted to functions here` })
    const redirected = await body(sandbox, `${grantedUrl}/redirect`)
    expect(redirected.status).toBe(599)
    expect(redirected.text).toMatch(/^TypeError: /)
  })

  it('runs none of a module\'s code outside its own calls, when its fetch answers during another\'s', async () => {
    // a then getter on Object.prototype would be asked for when the answer settles the module's promise
    const arming = `let ran = 0
      export default async (request) => {
        if (request.url.endsWith('/arm')) {
          Object.defineProperty(Object.prototype, 'then', { configurable: true, get () { if (Object.hasOwn(this, 'status')) { ran++; for (;;) {} } } })
          fetch(${JSON.stringify(`${grantedUrl}/slow`)})
          return new Response('armed')
        }
        return new Response('ran ' + ran)
      }`
    const waiting = `export default async () => new Response(await (await fetch(${JSON.stringify(`${grantedUrl}/slow`)})).text() + await (await fetch(${JSON.stringify(`${grantedUrl}/slow`)})).text())`
    expect(new TextDecoder().decode((await sandbox.run('bafyarming', arming, get('/arm'))).response.body)).toBe('armed')
    expect(new TextDecoder().decode((await sandbox.run('bafywaiting', waiting, get('/'))).response.body)).toBe('slowslow')
    expect(new TextDecoder().decode((await sandbox.run('bafyarming', arming, get('/count'))).response.body)).toBe('ran 0')
  })

  it('fetches the URL the function read, and refuses one the host would read otherwise', async () => {
    // what a path check in the function sees is what the granted origin is asked for
    const escaped = await sandbox.run('bafyescape', `export default async () => {
      const target = new URL('/data/' + '..\\\\admin', ${JSON.stringify(grantedUrl)})
      return new Response(target.pathname)
    }`, get('/'))
    expect(new TextDecoder().decode(escaped.response.body)).toBe('/admin')
    // an IPv4 address in short form is another host's spelling of the granted one: named as the grant names it, or not at all
    const short = await body(sandbox, grantedUrl.replace('127.0.0.1', '127.1'))
    expect(short.status).toBe(599)
    expect(short.text).toContain('reads differently')
  })

  it('holds a fetch that hangs to the call\'s time limit, and serves the next call', async () => {
    const started = performance.now()
    await expect(sandbox.run('bafyproxy', PROXY, get(`/?url=${encodeURIComponent(`${grantedUrl}/hang`)}`))).rejects.toMatchObject({ name: 'FunctionTimeoutError' })
    expect(performance.now() - started).toBeLessThan(2_000)
    // the module was thrown away with its fetch in flight: the sandbox serves on (a worker would otherwise be lost)
    expect(await body(sandbox, `${grantedUrl}/data`)).toEqual({ status: 200, text: 'DATA FOR FUNCTION' })
  })

  it('holds the whole sandbox to 8 fetches in flight, whichever modules started them', async () => {
    // modules that each start 8 fetches and answer at once, leaving them in flight
    most = 0
    reached = 0
    for (let i = 0; i < 5; i++) {
      const source = `// ${i}
        export default async (request) => {
          const url = new URL(request.url).searchParams.get('url')
          for (let j = 0; j < 8; j++) fetch(url).catch(() => {})
          return new Response('started')
        }`
      await sandbox.run(`bafystarter${i}`, source, get(`/?url=${encodeURIComponent(`${grantedUrl}/slow`)}`))
    }
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(most).toBeLessThanOrEqual(8)
    expect(reached).toBeLessThanOrEqual(8)
  })

  it('lets a function that breaks what its fetch is made with harm only its own fetches', async () => {
    const url = JSON.stringify(`${grantedUrl}/data`)
    const breakers = [
      // at call time: the host is handed what it cannot read
      'JSON.stringify = () => "not json"; Array.from = () => [[1]]',
      'Request.prototype.arrayBuffer = async () => ({})',
      'Request.prototype.arrayBuffer = async () => ({ length: 3, 0: 104, 1: 105, 2: 33 })',
      'Object.defineProperty(Request.prototype, "method", { get () { return { toString () { throw new Error("no method") } } } })'
    ]
    for (const [i, breaker] of breakers.entries()) {
      // top level too, before fetch exists: the constructors a fetch's body is copied with
      const source = `ArrayBuffer = function () { return {} }; Uint8Array = function () { return {} }
        export default async () => {
          ${breaker}
          const outcomes = []
          for (let j = 0; j < 10; j++) outcomes.push(await fetch(${url}, { method: 'POST', body: 'x' }).then(r => r.status, e => e.name))
          return Response.json(outcomes)
        }`
      const { response } = await sandbox.run(`bafybreaker${i}`, source, get('/'))
      expect(response.status, breaker).toBe(200)
      for (const outcome of JSON.parse(new TextDecoder().decode(response.body))) expect([200, 'TypeError', 'Error'], breaker).toContain(outcome)
      sandbox.release(`bafybreaker${i}`)
    }
    expect(await body(sandbox, `${grantedUrl}/data`)).toEqual({ status: 200, text: 'DATA FOR FUNCTION' })
  })

  it('runs a module that hardened its global object at its top level, without a fetch it left no room for', async () => {
    for (const [i, [top, expected]] of ([['Object.freeze(globalThis)', 'undefined'], ['Object.defineProperty(globalThis, "fetch", { value: 1 })', 'number']] as const).entries()) {
      for (let call = 0; call < 2; call++) {
        const { response } = await sandbox.run(`bafyhardened${i}`, `${top}\nexport default async () => new Response(typeof fetch)`, get('/'))
        expect(new TextDecoder().decode(response.body), top).toBe(expected)
      }
    }
  })

  it('gives a module\'s top level no fetch: only calls reach the network', async () => {
    const source = `const primed = await fetch(${JSON.stringify(`${grantedUrl}/data`)})\nexport default async () => new Response('primed')`
    await expect(sandbox.run('bafytoplevel', source, get('/'))).rejects.toMatchObject({ name: 'FunctionThrewError', message: expect.stringContaining("'fetch' is not defined") })
  })

  it('gives a sandbox without grants no fetch at all', async () => {
    expect(await body(plain, `${grantedUrl}/data`)).toEqual({ status: 599, text: "ReferenceError: 'fetch' is not defined" })
  })

  it('holds a function to 8 fetches in flight and 64 a call: more fail at once, and no body is held past them', async () => {
    // a body for each of 50 fetches started together (small: the VM's own memory limit is not what this is about), then 100 one after another
    const source = `export default async (request) => {
      const url = new URL(request.url).searchParams.get('url')
      const body = new Uint8Array(64 << 10)
      const together = await Promise.allSettled(Array.from({ length: 50 }, () => fetch(url, { method: 'POST', body })))
      const refused = together.filter(r => r.status === 'rejected').map(r => r.reason.name + ': ' + r.reason.message)
      let sequential = 0
      let stopped = ''
      try { for (; sequential < 100; sequential++) await fetch(url.replace('/slow', '/data')) } catch (err) { stopped = err.name + ': ' + err.message }
      return Response.json({ fulfilled: together.length - refused.length, refused: refused.length, first: refused[0], sequential, stopped })
    }`
    most = 0
    reached = 0
    const { response } = await sandbox.run('bafyflood', source, get(`/?url=${encodeURIComponent(`${grantedUrl}/slow`)}`))
    const answer = JSON.parse(new TextDecoder().decode(response.body))
    expect(answer).toMatchObject({ fulfilled: 8, refused: 42, first: expect.stringMatching(/^TypeError: .*8 fetches/) })
    expect(most).toBe(8)
    expect(reached).toBe(8)
    // the call's other 56, one after another
    expect(answer).toMatchObject({ sequential: 56, stopped: expect.stringMatching(/^TypeError: .*64 fetches/) })
  })
})
