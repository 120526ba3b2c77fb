import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LyingEdge {
  url: string
  /** How many block requests it answered with wrong bytes */
  lies(): number
  stop(): Promise<void>
}

/**
 * An HTTP edge that answers every raw-block request with bytes that are not
 * the block: what a compromised or broken edge looks like to a browser.
 */
export async function startLyingEdge (forge: (cid: string) => Uint8Array): Promise<LyingEdge> {
  let lies = 0
  const server = createServer((req, res) => {
    const cid = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '')?.[1]
    if (cid == null) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    lies++
    const body = forge(cid)
    res.writeHead(200, {
      'Content-Type': 'application/vnd.ipld.raw',
      'Content-Length': String(body.byteLength),
      'Access-Control-Allow-Origin': '*'
    }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lies: () => lies,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

export interface ForgingProxy {
  url: string
  /** CAR responses it forged */
  forged(): number
  stop(): Promise<void>
}

/**
 * An edge that is honest except inside its CARs: it relays a real edge and
 * flips one byte `at` bytes into every CAR response, inside a block. It
 * answers `/info` with 404, so a launcher knows it by its URL alone.
 */
export async function startForgingProxy (target: string, at: number): Promise<ForgingProxy> {
  let forged = 0
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/info')) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    const isCar = /[?&]format=car\b/.test(req.url ?? '') || (req.headers.accept ?? '').includes('vnd.ipld.car')
    const upstream = request(`${target}${req.url ?? ''}`, { method: req.method, headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      let seen = 0
      up.on('data', (chunk: Buffer) => {
        if (isCar && seen <= at && seen + chunk.byteLength > at) {
          chunk = Buffer.from(chunk)
          chunk[at - seen] ^= 0xff
          forged++
        }
        seen += chunk.byteLength
        res.write(chunk)
      })
      up.on('end', () => { res.end() })
      up.on('error', () => { res.destroy() })
    })
    upstream.on('error', () => { res.destroy() })
    req.pipe(upstream)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forged: () => forged,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
