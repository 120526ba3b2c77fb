import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFunctionSandbox } from './function-sandbox.ts'
import { loadQuickJSWasm } from './quickjs-wasm-node.ts'
import { sandboxCall } from './sandbox-call.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest } from './types.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function get (path = '/'): FunctionRequest {
  return { method: 'GET', url: `http://edge.test${path}`, headers: [['accept', '*/*']], body: new Uint8Array(0) }
}

function post (body: string, path = '/'): FunctionRequest {
  return { method: 'POST', url: `http://edge.test${path}`, headers: [['content-type', 'application/json']], body: encoder.encode(body) }
}

let next = 0
/** A fresh CID-like name per module, so tests do not share warm modules unless they mean to */
function name (): string {
  return `bafytest${next++}`
}

describe('function sandbox', () => {
  let sandbox: FunctionSandbox

  beforeAll(async () => {
    sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm(), limits: { timeoutMs: 1_000, memoryBytes: 8 * 1024 * 1024, maxResponseBytes: 64 * 1024, maxWarmModules: 3 } })
  })

  afterAll(async () => {
    await sandbox?.close()
  })

  it('runs hello world, and keeps the module warm for the next call', async () => {
    const cid = name()
    const source = 'export default async () => new Response("hello, world")'

    const first = await sandbox.run(cid, source, get())
    expect(first.response.status).toBe(200)
    expect(decoder.decode(first.response.body)).toBe('hello, world')
    expect(first.response.headers).toEqual([['content-type', 'text/plain;charset=UTF-8']])
    expect(first.timings.warm).toBe(false)

    const second = await sandbox.run(cid, source, get())
    expect(decoder.decode(second.response.body)).toBe('hello, world')
    expect(second.timings).toMatchObject({ warm: true, compileMs: 0 })
  })

  it('echoes a POST body as JSON, with the request seen through web-standard APIs', async () => {
    const source = `export default async (request) => {
      const url = new URL(request.url)
      const body = await request.json()
      return Response.json({ method: request.method, path: url.pathname, q: url.searchParams.get('q'), type: request.headers.get('Content-Type'), body }, { status: 201, headers: { 'x-echo': 'yes' } })
    }`
    const { response } = await sandbox.run(name(), source, post('{"a":[1,2],"é":"ü"}', '/echo/x?q=1+2'))

    expect(response.status).toBe(201)
    expect(new Map(response.headers)).toEqual(new Map([['content-type', 'application/json'], ['x-echo', 'yes']]))
    expect(JSON.parse(decoder.decode(response.body))).toEqual({ method: 'POST', path: '/echo/x', q: '1 2', type: 'application/json', body: { a: [1, 2], é: 'ü' } })
  })

  it('answers with bytes, and round-trips UTF-8 through TextEncoder and TextDecoder', async () => {
    const source = `export default async (request) => {
      const text = new TextDecoder().decode(await request.arrayBuffer())
      return new Response(new TextEncoder().encode(text.toUpperCase() + ' ✓ 𝄞'), { headers: { 'content-type': 'application/octet-stream' } })
    }`
    const { response } = await sandbox.run(name(), source, post('grüße'))
    expect(decoder.decode(response.body)).toBe('GRÜSSE ✓ 𝄞')
  })

  it('stops an endless loop at the time limit, and still serves the next call', async () => {
    const cid = name()
    const source = 'export default async (request) => { if (request.url.endsWith("/loop")) { for (;;) { try { for (;;) {} } catch {} } } return new Response("alive") }'
    const started = performance.now()

    await expect(sandbox.run(cid, source, get('/loop'))).rejects.toMatchObject({ name: 'FunctionTimeoutError' })
    expect(performance.now() - started).toBeLessThan(3_000)

    const { response } = await sandbox.run(cid, source, get('/'))
    expect(decoder.decode(response.body)).toBe('alive')
  })

  it('stops a loop in the module body too', async () => {
    await expect(sandbox.run(name(), 'while (true) {}\nexport default async () => new Response("")', get())).rejects.toMatchObject({ name: 'FunctionTimeoutError' })
  })

  it('stops a memory bomb at the memory limit, and still serves the next call', async () => {
    const cid = name()
    const source = `export default async (request) => {
      if (request.url.endsWith('/one')) return new Response(new Uint8Array(64 << 20))
      if (request.url.endsWith('/many')) { const a = []; for (;;) a.push({ n: a.length, s: 'v' + a.length }) }
      return new Response('fine')
    }`

    await expect(sandbox.run(cid, source, get('/one'))).rejects.toMatchObject({ name: 'FunctionMemoryError', message: expect.stringContaining('8 MiB') })
    expect(decoder.decode((await sandbox.run(cid, source, get())).response.body)).toBe('fine')
    await expect(sandbox.run(cid, source, get('/many'))).rejects.toMatchObject({ name: 'FunctionMemoryError' })
    expect(decoder.decode((await sandbox.run(cid, source, get())).response.body)).toBe('fine')
  })

  it('counts every byte a function holds against its limit, and one module\'s memory is not another\'s', async () => {
    // many buffers each well under the limit, as strings, arrays and typed arrays: together 64 MiB, over 8 MiB
    const hogs = ['new Uint8Array(1 << 20)', '"x".repeat(1 << 20) + keep.length', 'new Array(1 << 17).fill(keep.length)']
    for (const make of hogs) {
      const source = `const keep = []
        export default async () => { for (let i = 0; i < 64; i++) keep.push(${make}); return new Response('kept ' + keep.length) }`
      await expect(sandbox.run(name(), source, get())).rejects.toMatchObject({ name: 'FunctionMemoryError', message: expect.stringContaining('8 MiB') })
    }
    // a module that holds 6 MiB between calls leaves the next module its own 8 MiB
    const holder = name()
    const holding = 'const keep = []\nexport default async () => { for (let i = 0; i < 6; i++) keep.push(new Uint8Array(1 << 20)); return new Response("holding " + keep.length) }'
    expect(decoder.decode((await sandbox.run(holder, holding, get())).response.body)).toBe('holding 6')
    const other = 'export default async () => { const b = []; for (let i = 0; i < 6; i++) b.push(new Uint8Array(1 << 20)); return new Response("used " + b.length) }'
    expect(decoder.decode((await sandbox.run(name(), other, get())).response.body)).toBe('used 6')
  })

  it('cuts what a function throws to a short message, however long it is', async () => {
    const source = 'export default async () => { const e = new Error("x".repeat(4 << 20)); e.name = "N".repeat(1 << 20); throw e }'
    const thrown = await sandbox.run(name(), source, get()).then(() => undefined, (err: Error) => err)
    expect(thrown).toMatchObject({ name: 'FunctionThrewError', message: expect.stringMatching(/^N+…: x+…$/) })
    expect(thrown?.message.length).toBeLessThanOrEqual(1_200)
  })

  it('runs a request that no longer fits a warm module\'s memory on a fresh instance, and writes none of it into the full one', async () => {
    // fills the module's memory to within 16 KiB of its limit, and keeps it
    const cid = name()
    const source = `const keep = []
      export default async (request) => {
        if (keep.length === 0) {
          for (let size = 1 << 20; size >= 4096;) { try { keep.push(new Uint8Array(size)) } catch { size >>= 1 } }
          let freed = 0
          while (freed < 16384) freed += keep.pop().length
          return new Response('filled')
        }
        return new Response('read ' + (await request.arrayBuffer()).byteLength)
      }`
    expect(decoder.decode((await sandbox.run(cid, source, get())).response.body)).toBe('filled')
    const warm = (sandbox as unknown as { warm: Map<string, { runtime: { module: { HEAPU8: Uint8Array } } }> }).warm
    const memory = warm.get(cid)?.runtime.module.HEAPU8 ?? new Uint8Array(0)
    const before = memory.slice(0, 100_000)
    const body = new Uint8Array(100_000).fill(0x41)
    // the fresh instance's first call fills it again
    expect(decoder.decode((await sandbox.run(cid, source, { ...post(''), body })).response.body)).toBe('filled')
    // (the full instance's own data there changes as it runs: what must not appear is the caller's bytes)
    expect(memory.subarray(0, 100_000).filter((byte, i) => byte === 0x41 && before[i] !== 0x41).length).toBe(0)
  })

  it('stops deep recursion with QuickJS\'s own stack check', async () => {
    const source = 'const f = (n) => f(n + 1) + 1\nexport default async () => new Response(String(f(0)))'
    await expect(sandbox.run(name(), source, get())).rejects.toMatchObject({ name: 'FunctionThrewError', message: 'InternalError: stack overflow' })
  })

  it('answers 500 when the host\'s own stack runs out inside QuickJS (a browser Worker\'s is ~1 MB), and only that module is lost', async () => {
    // QuickJS's stack check counts its own stack, not the host's frames its recursion in JSON takes
    const deep = 'export default async () => { let a = []; for (let i = 0; i < 100000; i++) a = [a]; return new Response(JSON.stringify(a)) }'
    await expect(sandbox.run(name(), deep, get())).rejects.toMatchObject({ name: 'FunctionThrewError', message: expect.stringContaining('stack') })
    // a module whose source nests that deep fails as a function, not as the host
    const nested = `${'['.repeat(200_000)}${']'.repeat(200_000)}\nexport default async () => new Response('x')`
    await expect(sandbox.run(name(), nested, get())).rejects.toMatchObject({ name: 'FunctionThrewError' })
    expect(decoder.decode((await sandbox.run(name(), 'export default async () => new Response("fine")', get())).response.body)).toBe('fine')
  })

  it('gives a function no require, process, fetch, timers, WebAssembly or module loading', async () => {
    const source = `export default async () => {
      const names = ['require', 'process', 'fetch', 'XMLHttpRequest', 'WebSocket', 'setTimeout', 'WebAssembly', 'std', 'os', 'Deno', 'Bun', 'importScripts']
      const present = names.filter(n => typeof globalThis[n] !== 'undefined')
      let imported
      try { await import('node:fs'); imported = 'loaded' } catch (err) { imported = err.name }
      return Response.json({ present, imported })
    }`
    const { response } = await sandbox.run(name(), source, get())
    expect(JSON.parse(decoder.decode(response.body))).toEqual({ present: [], imported: 'ReferenceError' })
  })

  it('refuses a module that imports another', async () => {
    await expect(sandbox.run(name(), 'import fs from "node:fs"\nexport default async () => new Response(fs)', get())).rejects.toMatchObject({ name: 'InvalidFunctionModuleError' })
  })

  it('says clearly when the content is not a JS module', async () => {
    await expect(sandbox.run(name(), '<!doctype html><title>not code</title>', get())).rejects.toMatchObject({
      name: 'InvalidFunctionModuleError',
      message: expect.stringContaining('is not a function module')
    })
    await expect(sandbox.run(name(), 'export const x = 1', get())).rejects.toMatchObject({ name: 'InvalidFunctionModuleError' })
  })

  it('reports what a function threw, without its stack', async () => {
    const err = await sandbox.run(name(), 'export default async () => { throw new TypeError("no such user") }', get()).catch(err => err)
    expect(err).toMatchObject({ name: 'FunctionThrewError', message: 'TypeError: no such user' })
    expect(err.message).not.toContain('ipfs://')
  })

  it('rejects an answer that is not a Response, and one over the size limit', async () => {
    await expect(sandbox.run(name(), 'export default async () => "text"', get())).rejects.toMatchObject({ name: 'InvalidFunctionResponseError' })
    await expect(sandbox.run(name(), 'export default async () => new Response("x".repeat(65 * 1024))', get())).rejects.toMatchObject({ name: 'InvalidFunctionResponseError' })
  })

  it('says so when a function awaits something that can never settle', async () => {
    await expect(sandbox.run(name(), 'export default () => new Promise(() => {})', get())).rejects.toMatchObject({ name: 'FunctionThrewError', message: expect.stringContaining('never settles') })
  })

  it('refuses a request body over its limit', async () => {
    const big: FunctionRequest = { ...post(''), body: new Uint8Array(sandbox.limits.maxRequestBytes + 1) }
    await expect(sandbox.run(name(), 'export default async () => new Response("")', big)).rejects.toMatchObject({ name: 'FunctionInputTooLargeError' })
  })

  it('sees the request as the host read it, and checks the headers a function makes', async () => {
    const source = `export default async (request) => {
      const made = new Headers({ 'X-Padded': ' \\t kept \\t ' })
      const refused = []
      for (const [n, v] of [['x-a', 'a\\r\\nb'], ['x-b', 'a\\nb'], ['x-c', 'a\\u0000b'], ['bad name', 'v'], ['x-é', 'v']]) {
        try { new Headers([[n, v]]); refused.push(false) } catch (err) { refused.push(err instanceof TypeError) }
      }
      const copy = new Request(request)
      return Response.json({
        url: request.url,
        copied: copy.url,
        accept: request.headers.get('Accept'),
        both: request.headers.get('x-twice'),
        names: [...request.headers.keys()],
        padded: made.get('x-padded'),
        refused
      })
    }`
    const request: FunctionRequest = { method: 'GET', url: 'http://Edge.Test:80/a/./b/../c?x=\n1', headers: [['accept', '*/*'], ['x-twice', '1'], ['x-twice', '2']], body: new Uint8Array(0) }
    const { response } = await sandbox.run(name(), source, request)
    expect(response.status).toBe(200)
    expect(JSON.parse(decoder.decode(response.body))).toEqual({
      url: 'http://edge.test/a/c?x=1',
      copied: 'http://edge.test/a/c?x=1',
      accept: '*/*',
      both: '1, 2',
      names: ['accept', 'x-twice'],
      padded: 'kept',
      refused: [true, true, true, true, true]
    })
  })

  it('reads an IPv6 host as a URL parser does, and refuses credentials in a URL', async () => {
    const source = `export default async (request) => {
      const url = new URL(request.url)
      let userinfo
      try { new URL('http://user:pw@host.test/') ; userinfo = 'parsed' } catch (err) { userinfo = err.name }
      return Response.json({ host: url.host, hostname: url.hostname, port: url.port, href: url.href, next: new URL('/next?a=1', url).href, userinfo })
    }`
    const { response } = await sandbox.run(name(), source, { ...get(), url: 'http://[::1]:8080/orders/7' })
    expect(JSON.parse(decoder.decode(response.body))).toEqual({ host: '[::1]:8080', hostname: '[::1]', port: '8080', href: 'http://[::1]:8080/orders/7', next: 'http://[::1]:8080/next?a=1', userinfo: 'TypeError' })
    // a port is a number: its default is no port, and leading zeros go
    const ports = 'export default async (request) => Response.json(["http://h.test:080/", "http://h.test:08080/", "https://h.test:443/"].map(u => new URL(u).host))'
    expect(JSON.parse(decoder.decode((await sandbox.run(name(), ports, get())).response.body))).toEqual(['h.test', 'h.test:8080', 'h.test'])
  })

  it('hands a function no credentials, wherever it runs', async () => {
    const source = 'export default async (request) => Response.json(["cookie", "authorization", "proxy-authorization", "x-api-key"].map(name => request.headers.get(name)))'
    const request: FunctionRequest = { ...get(), headers: [['cookie', 'a=1'], ['authorization', 'Bearer t'], ['proxy-authorization', 'Basic x'], ['x-api-key', 'chosen']] }
    const { response } = await sandbox.run(name(), source, request)
    expect(JSON.parse(decoder.decode(response.body))).toEqual([null, null, null, 'chosen'])
  })

  it('hands a body that is not UTF-8 to the function as its bytes', async () => {
    const source = `export default async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return new Response(bytes.map(b => 255 - b), { headers: { 'content-type': 'application/octet-stream', 'x-length': String(bytes.length) } })
    }`
    const body = Uint8Array.from([0xff, 0x00, 0xc3, 0x28, 0x80])
    const { response } = await sandbox.run(name(), source, { method: 'POST', url: 'http://edge.test/', headers: [['content-type', 'application/octet-stream']], body })
    expect(response.status).toBe(200)
    expect(new Map(response.headers).get('x-length')).toBe('5')
    expect([...response.body]).toEqual([0x00, 0xff, 0x3c, 0xd7, 0x7f])
  })

  it('answers 502 for a function that tampers with the globals its answer is built with, and the sandbox serves on', async () => {
    const tamperers = [
      'export default async () => { JSON.stringify = () => "null"; return new Response("x") }',
      'export default async () => { JSON.stringify = () => "{\\"status\\": 200, \\"headers\\": 7}"; return new Response("x") }',
      'export default async () => { Object.prototype.toJSON = function () { return 5 }; return new Response("x") }',
      'export default async () => { ArrayBuffer.prototype.slice = function () { return {} }; return new Response(new Uint8Array([1, 2])) }',
      'export default async () => { Map.prototype[Symbol.iterator] = function * () { yield ["x-a\\r\\nx-b", "v"] }; return new Response("x") }'
    ]
    for (const source of tamperers) {
      const answer = await sandbox.run(name(), source, get()).then(({ response }) => response.status, (err: Error) => err.name)
      expect(answer, source).toBeOneOf([200, 'InvalidFunctionResponseError'])
    }
    const { response } = await sandbox.run(name(), 'export default async () => new Response("still here")', get())
    expect(decoder.decode(response.body)).toBe('still here')
  })

  it('answers a function\'s bytes whole and exact, whatever it did to the ArrayBuffer and typed arrays it could reach', async () => {
    const own = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
    try {
      const tamperers = [
        'ArrayBuffer.prototype.slice = function () { return {} }',
        'class Big extends ArrayBuffer { constructor (n) { super(n + 100) } }; ArrayBuffer.prototype.constructor = { [Symbol.species]: Big }',
        'Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), "buffer", { get () { return new ArrayBuffer(9) } })',
        // the answer an async function resolves with is asked for its then: a function could swap it for its own
        `Object.defineProperty(Object.prototype, 'then', { configurable: true, get () {
          if (!('bytes' in this && 'answer' in this)) return undefined
          const answer = this.answer
          return (resolve) => { delete Object.prototype.then; resolve({ answer, bytes: {} }) }
        } })`
      ]
      for (const tamper of tamperers) {
        const cid = name()
        const { response } = await own.run(cid, `export default async () => { ${tamper}; return new Response(new Uint8Array([1, 2, 3]).subarray(1)) }`, get())
        expect([response.status, ...response.body], tamper).toEqual([200, 2, 3])
        own.release(cid)
      }
    } finally {
      await own.close()
    }
  })

  it('answers 502 for a header value HTTP cannot carry', async () => {
    for (const value of ['\\u0001', '\\u2713']) {
      const source = `export default async () => new Response('x', { headers: { 'x-a': '${value}' } })`
      await expect(sandbox.run(name(), source, get())).rejects.toMatchObject({ name: 'InvalidFunctionResponseError', message: expect.stringContaining('not valid HTTP') })
    }
  })

  it('answers 502 for headers over their byte limit, however few', async () => {
    const source = 'export default async () => new Response("x", { headers: { "x-a": "a".repeat(40 * 1024) } })'
    await expect(sandbox.run(name(), source, get())).rejects.toMatchObject({ name: 'InvalidFunctionResponseError', message: expect.stringContaining('byte limit') })
  })

  it('hands a text body with a NUL in it to the function whole', async () => {
    const source = 'export default async (request) => Response.json({ text: await request.text() })'
    const { response } = await sandbox.run(name(), source, post('a\u0000bcd'))
    expect(JSON.parse(decoder.decode(response.body))).toEqual({ text: 'a\u0000bcd' })
  })

  it('drops a function\'s own framing headers', async () => {
    const { response } = await sandbox.run(name(), 'export default async () => new Response("ok", { headers: { "content-length": "99", "x-edgeway-function": "forged", "x-kept": "1" } })', get())
    expect(response.headers.map(([n]) => n).sort()).toEqual(['content-type', 'x-kept'])
  })

  it('runs a prepared call without the source only when the module is warm', async () => {
    const cid = name()
    const source = 'export default async (request) => new Response(request.method + " " + await request.text())'
    const call = sandboxCall(post('{"a":1}'), sandbox.limits)
    await expect(sandbox.runCall(cid, undefined, call)).rejects.toMatchObject({ name: 'ModuleNotWarmError' })
    expect(decoder.decode((await sandbox.runCall(cid, source, call)).response.body)).toBe('POST {"a":1}')
    const warm = await sandbox.runCall(cid, undefined, call)
    expect(decoder.decode(warm.response.body)).toBe('POST {"a":1}')
    expect(warm.timings.warm).toBe(true)
  })

  it('keeps at most maxWarmModules warm, least recently used out first', async () => {
    const source = 'export default async () => new Response("")'
    const cids = [name(), name(), name(), name()]
    for (const cid of cids) await sandbox.run(cid, source, get())
    expect(sandbox.warmModules()).toEqual(cids.slice(1))
  })

  it('holds nothing once closed, also what a call racing the close had made', async () => {
    const closing = await createFunctionSandbox({ wasm: await loadQuickJSWasm() })
    const racing = closing.run(name(), 'export default async () => new Response("raced")', get())
    await closing.close()
    await racing.catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(closing.warmModules()).toEqual([])
    expect((closing as unknown as { spare?: unknown }).spare).toBeUndefined()
    await expect(closing.run(name(), 'export default async () => new Response("late")', get())).rejects.toMatchObject({ name: 'FunctionSandboxUnavailableError' })
  })
})
