import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionPool } from '../node/function-pool.ts'
import type { FunctionRequest } from '../../src/functions/types.ts'
import type { AddressInfo } from 'node:net'

const request = (path = '/'): FunctionRequest => ({ method: 'GET', url: `http://edge.test${path}`, headers: [], body: new Uint8Array(0) })

describe('function pool', () => {
  let pool: FunctionPool

  beforeAll(() => {
    pool = new FunctionPool({ workers: 2, limits: { timeoutMs: 200, memoryBytes: 8 * 1024 * 1024 }, graceMs: 100 })
  })

  afterAll(async () => {
    await pool?.close()
  })

  it('runs calls in worker threads', async () => {
    const { response } = await pool.run('bafyhello', 'export default async () => new Response("hi")', request())
    expect(response.status).toBe(200)
    expect(new TextDecoder().decode(response.body)).toBe('hi')
  })

  it('carries bodies that are not text both ways, small and large, and leaves the caller its bytes', async () => {
    const source = `export default async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return new Response(bytes.map(b => 255 - b), { headers: { 'content-type': 'application/octet-stream' } })
    }`
    const roomy = new FunctionPool({ workers: 1 })
    try {
      // 100 KiB is handed between threads rather than copied; 5 bytes are copied. Neither is UTF-8. Node's
      // Buffers, as the edge reads a body: a small one is a view into a shared pool, and slice() is no copy
      for (const size of [5, 100 * 1024]) {
        const body = Buffer.concat([Buffer.alloc(1, 0xff), Buffer.from(Array.from({ length: size - 1 }, (_, i) => i % 2 === 0 ? 0xfe : i % 251))])
        const { response } = await roomy.run('bafybytes', source, { method: 'POST', url: 'http://edge.test/', headers: [], body })
        expect(response.body.byteLength).toBe(size)
        expect(response.body.every((b, i) => b === 255 - body[i])).toBe(true)
        // the caller's bytes are its own still
        expect(body.byteLength).toBe(size)
        expect(body[0]).toBe(0xff)
      }
    } finally {
      await roomy.close()
    }
  })

  it('sends a module\'s source again to a worker that dropped it', async () => {
    // warm in a worker, then over its memory limit there (the worker throws that module away): the next call
    // must bring the source, or there is nothing to run
    const source = `export default async (request) => {
      if (request.url.endsWith('/bomb')) return new Response(new Uint8Array(64 << 20))
      return new Response('still here')
    }`
    const one = new FunctionPool({ workers: 1, limits: { memoryBytes: 8 * 1024 * 1024 } })
    try {
      expect(new TextDecoder().decode((await one.run('bafydropped', source, request())).response.body)).toBe('still here')
      await expect(one.run('bafydropped', source, request('/bomb'))).rejects.toMatchObject({ name: 'FunctionMemoryError' })
      const again = await one.run('bafydropped', source, request())
      expect(new TextDecoder().decode(again.response.body)).toBe('still here')
      expect(again.timings.warm).toBe(false)
    } finally {
      await one.close()
    }
  })

  it('runs afresh, with its source sent again, a warm call whose module\'s own garbage filled its memory', async () => {
    // a cycle QuickJS frees only when its collector runs: 2 MiB left behind per call fills 8 MiB within a few calls
    const source = 'export default async () => { const kept = { bytes: new Uint8Array(2 << 20).fill(1) }; kept.self = kept; return new Response("ok") }'
    const one = new FunctionPool({ workers: 1, limits: { memoryBytes: 8 * 1024 * 1024 } })
    try {
      const answers: string[] = []
      for (let i = 0; i < 12; i++) {
        answers.push(await one.run('bafycycles', source, request()).then(({ response }) => new TextDecoder().decode(response.body), (err: Error) => err.name))
      }
      expect(answers).toEqual(new Array(12).fill('ok'))
    } finally {
      await one.close()
    }
  })

  it('knows which modules a worker still holds after a function threw, and re-sends a source it lacks', async () => {
    const one = new FunctionPool({ workers: 1, limits: { maxWarmModules: 2 } })
    const echo = `export default async (request) => new Response(new Uint8Array(await request.arrayBuffer()))`
    const thrower = 'export default async () => { throw new Error("no") }'
    // not UTF-8, and large enough to be handed to the worker rather than copied; a fresh one per call
    const size = 80 * 1024
    const post = (): FunctionRequest => ({ method: 'POST', url: 'http://edge.test/', headers: [], body: Buffer.alloc(size, 0xff) })
    try {
      await one.run('bafyA', echo, post())
      // B is kept by the worker although it threw; C then pushes A out of its two warm modules
      await expect(one.run('bafyB', thrower, request())).rejects.toMatchObject({ name: 'FunctionThrewError' })
      await one.run('bafyC', echo, post())
      const again = await one.run('bafyA', echo, post())
      expect(again.response.body.byteLength).toBe(size)
      expect(again.timings.warm).toBe(false)
      // a worker that lost a module the pool still counts on asks for its source, and the call goes through
      ;(one as unknown as { slots: Array<{ warm: Set<string> }> }).slots[0].warm.add('bafyD')
      const d = await one.run('bafyD', echo, post())
      expect(d.response.body.byteLength).toBe(size)
      expect(d.response.body.every(b => b === 0xff)).toBe(true)
      expect(d.timings.warm).toBe(false)
    } finally {
      await one.close()
    }
  })

  it('ends a call stuck in a built-in the interrupt handler cannot reach, and replaces its worker', async () => {
    // measured: near an 8 MiB heap limit, these allocations take ~2.6 s with one interrupt check
    const bomb = 'export default async () => { const a = []; for (;;) a.push(new Uint8Array(1 << 20)) }'
    const started = performance.now()
    const err = await pool.run('bafybomb', bomb, request()).catch(err => err)

    expect(['FunctionTimeoutError', 'FunctionMemoryError']).toContain(err.name)
    // the watchdog's 500 ms, not the built-in's ~2.6 s (with room for a loaded two-core machine)
    expect(performance.now() - started).toBeLessThan(2_000)

    const results = await Promise.all([1, 2, 3].map(async () => pool.run('bafyhello', 'export default async () => new Response("hi")', request())))
    expect(results.map(r => r.response.status)).toEqual([200, 200, 200])
  })

  it('hands the operator\'s grants to its workers', async () => {
    const server = createServer((_req, res) => { res.writeHead(200).end('granted') })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const granted = new FunctionPool({ workers: 1, grants: { fetchOrigins: [origin] } })
    try {
      const source = `export default async () => new Response(await (await fetch('${origin}/')).text())`
      const { response } = await granted.run('bafyfetch', source, request())
      expect(new TextDecoder().decode(response.body)).toBe('granted')
      // the pool without grants: no fetch
      await expect(pool.run('bafyfetch', source, request())).rejects.toMatchObject({ name: 'FunctionThrewError', message: "ReferenceError: 'fetch' is not defined" })
    } finally {
      await granted.close()
      server.close()
    }
  })

  it('holds a bounded queue while its workers are busy, and lets a waiting call be given up', async () => {
    const busy = new FunctionPool({ workers: 1, maxQueued: 2, limits: { timeoutMs: 300 } })
    try {
      const loop = 'export default async () => { for (;;) {} }'
      const hello = 'export default async () => new Response("hi")'
      // once its worker is up, the loop runs and the rest wait
      await busy.run('bafyhello', hello, request())
      const running = busy.run('bafyloop', loop, request()).catch(err => err)
      const waiting = busy.run('bafyhello', hello, request())
      const leaving = new AbortController()
      const givenUp = busy.run('bafyhello', hello, request(), { signal: leaving.signal }).catch(err => err)
      // two wait: a third is refused at once rather than held
      await expect(busy.run('bafyhello', hello, request())).rejects.toMatchObject({ name: 'ServiceUnavailableError', message: expect.stringContaining('2 calls are waiting') })

      leaving.abort(new Error('the client left'))
      expect((await givenUp).message).toBe('the client left')
      // its place in the queue is free again
      const next = busy.run('bafyhello', hello, request())

      expect((await running).name).toBe('FunctionTimeoutError')
      expect((await waiting).response.status).toBe(200)
      expect((await next).response.status).toBe(200)
    } finally {
      await busy.close()
    }
  })

  it('refuses calls once closed', async () => {
    const closed = new FunctionPool({ workers: 1 })
    await closed.close()
    await expect(closed.run('bafyhello', 'export default async () => new Response("")', request())).rejects.toMatchObject({ name: 'ServiceUnavailableError' })
  })
})
