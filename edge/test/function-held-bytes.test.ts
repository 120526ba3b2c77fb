import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HeldBytes } from '../node/held-bytes.ts'
import { startEdge } from '../node/start-edge.ts'
import type { Edge } from '../node/types.ts'
import type { Socket } from 'node:net'

const ECHO = 'export default async (request) => new Response(await request.text())'

interface Answer { status: number, text: string }

/** A call made from `localAddress`, as another client on the same machine would make it */
async function call (url: URL, localAddress: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, agent: false }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => { text += chunk.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, text }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('HeldBytes', () => {
  it('takes bytes within a client\'s share and the total, says which it would pass, and forgets a client holding none', () => {
    const held = new HeldBytes({ total: 10, perClient: 6 })
    expect([held.take('a', 4), held.take('a', 2), held.take('a', 1)]).toEqual([undefined, undefined, 'client'])
    expect([held.take('b', 5), held.take('b', 4), held.held]).toEqual(['total', undefined, 10])
    held.give('a', 6)
    held.give('b', 4)
    expect([held.held, held.clients, held.take('b', 6)]).toEqual([0, 0, undefined])
  })
})

describe('edge functions, request bodies held per client', () => {
  let dir: string
  let edge: Edge
  let url: URL
  const stalled: Socket[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-function-held-'))
    await writeFile(join(dir, 'echo.js'), ECHO)
    edge = await startEdge({ serve: [join(dir, 'echo.js')], functions: { workers: 1, limits: { maxRequestBytes: 1024 }, heldBodyBytes: 8192, heldBodyBytesPerClient: 4096 } })
    url = new URL(`${edge.info.http}/fn/${edge.info.roots[join(dir, 'echo.js')]}/`)
  })

  afterEach(() => {
    for (const socket of stalled.splice(0)) socket.destroy()
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** Callers from `localAddress` that each declare a whole body, send a byte of it, and wait */
  async function stall (count: number, localAddress: string): Promise<void> {
    await Promise.all(Array.from({ length: count }, async () => new Promise<void>((resolve, reject) => {
      const socket = connect({ port: Number(url.port), host: '127.0.0.1', localAddress }, () => {
        socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1024\r\n\r\nx`)
        resolve()
      })
      socket.on('error', reject)
      stalled.push(socket)
    })))
    // the edge has read their heads
    await new Promise(resolve => setTimeout(resolve, 200))
  }

  it('refuses a client past its share of the budget, and still takes another client\'s body', async () => {
    await stall(4, '127.0.0.1')

    const same = await call(url, '127.0.0.1', 'POST', 'mine')
    expect(same.status).toBe(503)
    expect(same.text).toContain('one client')

    const other = await call(url, '127.0.0.2', 'POST', 'theirs')
    expect(other).toEqual({ status: 200, text: 'theirs' })
  })

  it('refuses every client once all of them together hold the whole budget', async () => {
    await stall(4, '127.0.0.1')
    await stall(4, '127.0.0.2')

    const third = await call(url, '127.0.0.3', 'POST', 'late')
    expect(third.status).toBe(503)
    expect(third.text).toContain('the edge holds as many request bodies as it can')
    // a call without a body takes none of it
    expect((await call(url, '127.0.0.3')).status).toBe(200)
  })

  it('gives a client its share back once its calls end', async () => {
    await stall(4, '127.0.0.1')
    for (const socket of stalled.splice(0)) socket.destroy()
    await new Promise(resolve => setTimeout(resolve, 200))

    expect(await call(url, '127.0.0.1', 'POST', 'again')).toEqual({ status: 200, text: 'again' })
  })
})
