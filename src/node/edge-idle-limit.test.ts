import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { edgeIdleMs, fetchWithIdleLimit } from './edge-idle-limit.ts'
import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** `/silent`: no answer; `/headers`: headers, then nothing; `/slow`: a chunk every 50 ms, five in all */
describe('fetchWithIdleLimit', () => {
  let server: Server
  let url: string
  const open = new Set<ServerResponse>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      open.add(res)
      if (req.url === '/headers') {
        res.writeHead(200).flushHeaders()
        res.write('a little')
      } else if (req.url === '/slow') {
        res.writeHead(200)
        let sent = 0
        const timer = setInterval(() => {
          res.write('chunk')
          if (++sent === 5) {
            clearInterval(timer)
            res.end()
          }
        }, 50)
      }
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    open.forEach(res => res.destroy())
    await new Promise(resolve => server.close(resolve))
  })

  const read = async (path: string, idleMs: number, signal?: AbortSignal): Promise<string> => {
    const { chunks } = await fetchWithIdleLimit(`${url}${path}`, {}, { idleMs, signal })
    let text = ''
    for await (const chunk of chunks) text += new TextDecoder().decode(chunk)
    return text
  }

  it('gives up on an edge that sends no headers', async () => {
    await expect(read('/silent', 200)).rejects.toMatchObject({ name: 'EdgeStalledError' })
  })

  it('gives up on an edge that stops sending the body', async () => {
    await expect(read('/headers', 200)).rejects.toMatchObject({ name: 'EdgeStalledError' })
  })

  it('keeps an edge that is slow but keeps sending', async () => {
    expect(await read('/slow', 200)).toBe('chunk'.repeat(5))
  })

  it('reports the caller giving up as the caller\'s abort, not a stall', async () => {
    await expect(read('/silent', 10_000, AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('leaves a quarter of the request timeout: at least 2 s, at most half of it, and at most 5 s', () => {
    expect(edgeIdleMs(12_000)).toBe(3_000)
    expect(edgeIdleMs(4_000)).toBe(2_000)
    expect(edgeIdleMs(1_000)).toBe(500)
    expect(edgeIdleMs(30_000)).toBe(5_000)
  })
})
