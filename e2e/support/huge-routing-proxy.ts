/**
 * A script (`node e2e/support/huge-routing-proxy.ts --edge <http> [--answer-bytes n]`)
 * that stands in front of a real edge and passes everything through, except
 * `GET /routing/v1/providers/<cid>`: that it answers with a huge body of
 * valid-looking JSON (browser records through the edge's relay), written as
 * fast as the reader takes it. It counts, per lookup, the bytes it got to
 * send before the reader closed the connection: what a reader held at most.
 * Prints `{"url"}` when ready; `GET /_flood/stats` gives the lookups.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { forward } from './forward.ts'
import type { AddressInfo } from 'node:net'
import type { ServerResponse } from 'node:http'

/** The answer's size by default: what finding 9 calls huge, a few hundred times the edge's 64 KiB cap */
const DEFAULT_ANSWER_BYTES = 20 * 1024 * 1024

export interface FloodLookup {
  cid: string
  /** Bytes of the answer written to the socket */
  sent: number
  /** The whole answer went out (the reader did not give up) */
  finished: boolean
}

const { values } = parseArgs({ options: { edge: { type: 'string' }, 'answer-bytes': { type: 'string' } } })
const upstream = new URL(values.edge ?? '')
const answerBytes = Number(values['answer-bytes'] ?? DEFAULT_ANSWER_BYTES)
const info = await (await fetch(`${upstream.origin}/info`)).json() as { peerId: string, multiaddrs: string[] }
const lookups: FloodLookup[] = []
const CORS = { 'Access-Control-Allow-Origin': '*' }

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid')
  const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  if (url.pathname === '/info') {
    res.writeHead(200, { 'Content-Type': 'application/json', ...CORS }).end(JSON.stringify({ ...info, http: self, dns: undefined }))
  } else if (url.pathname === '/_flood/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json', ...CORS }).end(JSON.stringify({ lookups }))
  } else if (req.method === 'GET' && url.pathname.startsWith('/routing/v1/providers/')) {
    const lookup: FloodLookup = { cid: url.pathname.split('/').pop() ?? '', sent: 0, finished: false }
    lookups.push(lookup)
    flood(res, lookup, info)
  } else {
    forward(upstream, req, res)
  }
})

/**
 * Bytes written per tick, and the tick: 25 MB/s, paced, so what the sender's
 * and the reader's socket buffers could take (tens of MB with loopback
 * autotuning) never hides whether the reader kept reading: at any moment
 * only a tick or two is in flight, and a reader that gives up stops the count
 */
const BYTES_PER_TICK = 256 * 1024
const TICK_MS = 10

/** Browser records through the edge's relay, repeated until `answerBytes`, paced */
function flood (res: ServerResponse, lookup: FloodLookup, edge: { peerId: string, multiaddrs: string[] }): void {
  const relay = `${edge.multiaddrs[0] ?? '/ip4/127.0.0.1/tcp/1/ws'}`.replace(/\/p2p\/[^/]+$/, '')
  const records = Array.from({ length: 100 }, (_, i) => JSON.stringify({
    Schema: 'peer',
    ID: `12D3KooWFake${String(i).padStart(40, 'x')}`,
    Addrs: [`${relay}/p2p/${edge.peerId}/p2p-circuit/webrtc`],
    Protocols: ['transport-bitswap']
  })).join(',')
  const chunk = Buffer.from(`,${records}`.repeat(Math.max(1, Math.floor(BYTES_PER_TICK / (records.length + 1)))))
  res.writeHead(200, { 'Content-Type': 'application/json', ...CORS })
  const head = Buffer.from(`{"Providers":[${records}`)
  lookup.sent += head.byteLength
  res.write(head)
  const timer = setInterval(() => {
    if (res.destroyed || res.writableNeedDrain) {
      // gone, or not taking what was sent: nothing more until it does
      return
    }
    if (lookup.sent >= answerBytes) {
      clearInterval(timer)
      res.end(']}', () => { lookup.finished = true })
      return
    }
    lookup.sent += chunk.byteLength
    res.write(chunk)
  }, TICK_MS)
  res.on('close', () => { clearInterval(timer) })
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }) + '\n')
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => { process.exit(0) })
})
