import { createServer } from 'node:http'
import { forward } from './forward.ts'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * What a fake router does for a providers lookup:
 * - `records`: answers them, spec-shaped (`{"Providers":[…]}`); none is the spec's 404
 * - `hang`: accepts the request and never answers
 * - `huge`: answers 200 with an endless body of valid-looking records, for as long as it is read
 */
export type RouterBehaviour = { records: unknown[] } | 'hang' | 'huge'

export interface FakeRouter {
  url: string
  /** The CIDs it was asked about, in order */
  asked(): string[]
  /** Bytes it sent (a `huge` answer is cut off by the reader) */
  sent(): number
  stop(): Promise<void>
}

/** A record for a trustless gateway at `http` (`http://127.0.0.1:P`) */
export function gatewayRecord (peerId: string, http: string): unknown {
  const url = new URL(http)
  return { Schema: 'peer', ID: peerId, Addrs: [`/ip4/${url.hostname}/tcp/${url.port}/http`], Protocols: ['transport-ipfs-gateway-http'] }
}

/** A record for a bitswap peer reached at `multiaddrs` (WebSocket ones for a browser), as a DHT answers it */
export function bitswapRecord (peerId: string, multiaddrs: string[]): unknown {
  return { Schema: 'peer', ID: peerId, Addrs: multiaddrs.map(ma => ma.replace(/\/p2p\/[^/]+$/, '')), Protocols: ['transport-bitswap'] }
}

/**
 * A delegated routing v1 endpoint on loopback (`GET /routing/v1/providers/<cid>`)
 * answering as `behave(cid)` says, with the CORS header a browser needs.
 */
export async function startFakeRouter (behave: (cid: string) => RouterBehaviour): Promise<FakeRouter> {
  const asked: string[] = []
  let sent = 0
  const held = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const cid = /^\/routing\/v1\/providers\/([^/?]+)$/.exec(new URL(req.url ?? '/', 'http://router').pathname)?.[1]
    if (cid == null) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    asked.push(cid)
    const behaviour = behave(cid)
    if (behaviour === 'hang') {
      held.add(res)
      res.on('close', () => { held.delete(res) })
      return
    }
    if (behaviour === 'huge') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
      const record = `,${JSON.stringify(gatewayRecord('12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW', 'http://127.0.0.1:9'))}`
      const chunk = Buffer.from(record.repeat(Math.ceil(64 * 1024 / record.length)))
      res.write('{"Providers":[{}')
      const write = (): void => {
        while (!res.destroyed) {
          sent += chunk.byteLength
          if (!res.write(chunk)) {
            res.once('drain', write)
            return
          }
        }
      }
      res.on('close', () => { res.destroy() })
      write()
      return
    }
    if (behaviour.records.length === 0) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    const body = JSON.stringify({ Providers: behaviour.records })
    sent += Buffer.byteLength(body)
    res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked: () => [...asked],
    sent: () => sent,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

export interface RawOnlyGateway {
  url: string
  /** Requests relayed (blocks) and refused (CARs) */
  served(): { raw: number, carRefused: number }
  stop(): Promise<void>
}

/**
 * A trustless gateway in front of a real edge that serves blocks only
 * (`?format=raw`) and refuses CARs with 406, as the spec lets a gateway do.
 */
export async function startRawOnlyGateway (edgeHttp: string): Promise<RawOnlyGateway> {
  const upstream = new URL(edgeHttp)
  const counts = { raw: 0, carRefused: 0 }
  const server = createServer((req, res) => {
    const car = /[?&]format=car\b/.test(req.url ?? '') || (req.headers.accept ?? '').includes('application/vnd.ipld.car')
    if (car) {
      counts.carRefused++
      res.writeHead(406, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' }).end('this gateway serves blocks only (?format=raw)')
      return
    }
    counts.raw++
    forward(upstream, req, res)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => ({ ...counts }),
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
