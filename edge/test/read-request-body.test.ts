import { createServer } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRequestBody } from '../node/read-request-body.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const LIMIT = 16

/** Sends `parts` over a raw socket, one after another; resolves with all the server said, once it closed */
async function exchange (port: number, parts: string[], gapMs = 20): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.on('data', (data: Buffer) => { answer += data.toString('latin1') })
  const closed = new Promise<void>(resolve => { socket.on('close', () => { resolve() }) })
  socket.on('error', () => {})
  for (const part of parts) {
    if (socket.destroyed) break
    socket.write(part)
    await new Promise(resolve => setTimeout(resolve, gapMs))
  }
  await closed
  return answer
}

describe('readRequestBody', () => {
  let server: Server
  let port: number
  const outcomes: string[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      // a route that waits on something before it reads the body
      const wait = req.url === '/later' ? new Promise(resolve => setTimeout(resolve, 200)) : Promise.resolve()
      void wait.then(async () => readRequestBody({ req, res }, LIMIT, () => Object.assign(new Error('too large'), { name: 'PayloadTooLargeError' }))).then((body) => {
        outcomes.push(`read ${body.toString('utf8')}`)
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`got ${body.toString('utf8')}`)
      }, (err: Error) => {
        outcomes.push(`failed ${err.name}`)
        if (!res.destroyed) res.writeHead(413, { 'Content-Type': 'text/plain' }).end('too large\n')
      })
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })

  it('reads a body sent in chunks, and an empty one', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      body: new ReadableStream({
        start (controller) {
          for (const part of ['one ', 'two ', 'three']) controller.enqueue(new TextEncoder().encode(part))
          controller.close()
        }
      }),
      duplex: 'half'
    } as RequestInit)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('got one two three')

    const empty = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })
    expect(await empty.text()).toBe('got ')
  })

  it('answers 413 to a chunked body once it passes the limit, without waiting for its end, and closes', async () => {
    // the body never ends: an answer can only come from the limit
    const answer = await exchange(port, [
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      'a\r\n0123456789\r\n',
      'a\r\n0123456789\r\n'
    ])
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer.toLowerCase()).toContain('connection: close')
  })

  it('answers 413 to a declared length over the limit without reading the body', async () => {
    const answer = await exchange(port, [`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`])
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
  })

  it('fails, rather than waits, when the client left before the body was asked for', async () => {
    const before = outcomes.length
    const socket = connect(port, '127.0.0.1')
    await new Promise(resolve => socket.once('connect', resolve))
    socket.write('POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    socket.destroy()
    await expect.poll(() => outcomes.slice(before), { timeout: 2_000 }).toEqual([expect.stringMatching(/^failed /)])
  })

  it('fails, rather than waits, when the client leaves mid-body', async () => {
    const before = outcomes.length
    const socket = connect(port, '127.0.0.1')
    await new Promise(resolve => socket.once('connect', resolve))
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    await new Promise(resolve => setTimeout(resolve, 50))
    socket.destroy()
    await expect.poll(() => outcomes.slice(before)).toEqual([expect.stringMatching(/^failed /)])
  })
})
