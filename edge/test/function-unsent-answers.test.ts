import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import type { EdgeFunctionsInit } from '../node/start-functions.ts'
import type { Edge } from '../node/types.ts'
import type { Socket } from 'node:net'

/** Answers `?n=` bytes (a string, freed as soon as it has left the sandbox), after working `?work=` ms */
const SIZED = `export default async (request) => {
  const query = new URL(request.url).searchParams
  const until = Date.now() + Number(query.get('work') ?? 0)
  while (Date.now() < until) {}
  return new Response('A'.repeat(Number(query.get('n'))))
}`
/** More than the kernel takes off the edge's hands for a client that reads nothing (its send and receive buffers, ~4 MiB here) */
const BIG = 8_000_000
/** Answers this large are allowed, with room in the heap to build several in a row (a warm module keeps some garbage between calls) */
const LIMITS = { maxResponseBytes: 8 * 1024 * 1024, memoryBytes: 128 * 1024 * 1024 }

interface Answer { status: number, text: string, timing: string }

async function call (url: URL, localAddress: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (res) => {
      let text = ''
      res.setEncoding('latin1')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, text, timing: String(res.headers['server-timing'] ?? '') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

interface Reader {
  socket: Socket
  /** Bytes of the answer's body it has read */
  body(): number
}

/** A caller at `localAddress` that asks for `url`, takes the first bytes of the answer, and then reads nothing */
async function stalledReader (url: URL, localAddress: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    let wire = ''
    const socket = connect({ port: Number(url.port), host: '127.0.0.1', localAddress }, () => {
      socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    })
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { wire += chunk })
    socket.once('data', () => {
      socket.pause()
      resolve({ socket, body: () => wire.length - wire.indexOf('\r\n\r\n') - 4 })
    })
    socket.on('error', reject)
  })
}

/** Reads on until the answer's whole body is in, or the edge closes the connection */
async function readOn (reader: Reader, bytes: number): Promise<number> {
  await new Promise<void>((resolve) => {
    reader.socket.on('data', () => { if (reader.body() >= bytes) resolve() })
    reader.socket.once('close', () => { resolve() })
    reader.socket.resume()
  })
  return reader.body()
}

async function startSized (dir: string, functions: EdgeFunctionsInit): Promise<{ edge: Edge, at: (n: number) => URL }> {
  await writeFile(join(dir, 'sized.js'), SIZED)
  const edge = await startEdge({ serve: [join(dir, 'sized.js')], functions: { workers: 1, limits: LIMITS, ...functions } })
  const cid = edge.info.roots[join(dir, 'sized.js')]
  return { edge, at: n => new URL(`${edge.info.http}/fn/${cid}/?n=${n}`) }
}

describe('edge functions, answers not yet sent', () => {
  let dir: string
  let edge: Edge
  let at: (n: number) => URL
  const stalled: Reader[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-function-unsent-'))
    // the default stall deadline (30 s): these tests close their readers themselves
    ;({ edge, at } = await startSized(dir, { heldAnswerBytes: 2 * BIG, heldAnswerBytesPerClient: BIG + BIG / 2 }))
  })

  afterEach(async () => {
    for (const reader of stalled.splice(0)) reader.socket.destroy()
    await new Promise(resolve => setTimeout(resolve, 100))
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('holds a client\'s unsent answers up to its share: past it, its answer is a 503, and another client still gets its own', async () => {
    stalled.push(await stalledReader(at(BIG), '127.0.0.1'))

    const again = await call(at(BIG), '127.0.0.1')
    expect(again.status).toBe(503)
    expect(again.text).toContain('unsent answers as one client may')
    // it ran, and its answer, past the share, was dropped
    expect(again.timing).toMatch(/run;dur=/)
    // what fits in its share still comes
    expect((await call(at(10), '127.0.0.1')).text).toBe('A'.repeat(10))

    const other = await call(at(BIG), '127.0.0.2')
    expect(other.status).toBe(200)
    expect(other.text.length).toBe(BIG)
  })

  it('holds all clients\' unsent answers up to the edge\'s budget, and takes calls again once they are sent or gone', async () => {
    stalled.push(await stalledReader(at(BIG), '127.0.0.1'))
    stalled.push(await stalledReader(at(BIG), '127.0.0.2'))

    // the budget is full: a call is refused before it runs
    const third = await call(at(BIG), '127.0.0.3')
    expect(third.status).toBe(503)
    expect(third.text).toContain('the edge holds as many unsent answers as it can')
    expect(third.timing).not.toMatch(/compile|run/)

    // one reader reads on: its answer comes whole, and is no longer held
    expect(await readOn(stalled[0], BIG)).toBe(BIG)
    await new Promise(resolve => setTimeout(resolve, 100))
    const after = await call(at(BIG), '127.0.0.3')
    expect(after.status).toBe(200)
    expect(after.text.length).toBe(BIG)
  })

  it('holds nothing for a caller that left before its function answered', async () => {
    // the worker is up: the call below runs at once rather than waiting in the queue, where leaving would drop it
    expect((await call(at(10), '127.0.0.4')).status).toBe(200)
    const url = at(BIG)
    url.searchParams.set('work', '300')
    const leaving = connect({ port: Number(url.port), host: '127.0.0.1', localAddress: '127.0.0.4' }, () => {
      leaving.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    }).on('error', () => {})
    // gone while the function works
    await new Promise(resolve => setTimeout(resolve, 100))
    leaving.resetAndDestroy()

    // the next call from that client waits for the worker, which answers the one that left first
    const next = await call(at(BIG), '127.0.0.4')
    expect(next.status).toBe(200)
    expect(next.text.length).toBe(BIG)
  })
})

describe('edge functions, an answer its caller stops reading', () => {
  let dir: string
  let edge: Edge
  let at: (n: number) => URL

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-function-stalled-'))
    ;({ edge, at } = await startSized(dir, { heldAnswerBytesPerClient: BIG, answerStallMs: 200 }))
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('is cut once the socket has taken nothing for the stall deadline, and its client\'s share comes back', async () => {
    const reader = await stalledReader(at(BIG), '127.0.0.1')

    // its client's share is full until the edge gives up on the stalled answer; then a call is answered whole
    let answer = await call(at(BIG), '127.0.0.1')
    while (answer.status === 503) {
      expect(answer.text).toContain('unsent answers as one client may')
      // refused before it ran: no compile or run time
      expect(answer.timing).not.toMatch(/compile|run/)
      await new Promise(resolve => setTimeout(resolve, 100))
      answer = await call(at(BIG), '127.0.0.1')
    }
    expect(answer.status).toBe(200)
    expect(answer.text.length).toBe(BIG)

    // the stalled reader, reading again, finds its answer cut short and the connection closed
    expect(await readOn(reader, BIG)).toBeLessThan(BIG)
    expect(reader.socket.closed).toBe(true)
  })
})
