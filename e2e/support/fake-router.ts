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
  /** Bytes each `huge` answer got out before its reader gave up */
  floods(): number[]
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
  /** Bytes sent per `huge` answer */
  const lookups: Array<{ sent: number }> = []
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
      lookups.push(flood(res))
      return
    }
    if (behaviour.records.length === 0) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    const body = JSON.stringify({ Providers: behaviour.records })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked: () => [...asked],
    floods: () => lookups.map(lookup => lookup.sent),
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

/** Written per tick, every 10 ms: paced, so the count says what the reader took, not what socket buffers held */
const FLOOD_BYTES_PER_TICK = 256 * 1024

/** An endless answer of valid-looking records, paced, until the reader goes away */
function flood (res: ServerResponse): { sent: number } {
  const lookup = { sent: 0 }
  const record = `,${JSON.stringify(gatewayRecord('12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW', 'http://127.0.0.1:9'))}`
  const chunk = Buffer.from(record.repeat(Math.ceil(FLOOD_BYTES_PER_TICK / record.length)))
  res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
  res.write('{"Providers":[{}')
  const timer = setInterval(() => {
    if (res.destroyed || res.writableNeedDrain) return
    lookup.sent += chunk.byteLength
    res.write(chunk)
  }, 10)
  res.on('close', () => { clearInterval(timer) })
  return lookup
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
