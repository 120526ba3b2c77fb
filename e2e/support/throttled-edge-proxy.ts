/**
 * An edge with a thin uplink: stands in front of a real edge's HTTP and
 * WebSocket listeners on one port and lets at most `--bytes-per-second` flow
 * from the edge to all its clients together (trustless gateway, routing and
 * libp2p over WebSocket alike). Its `/info` names itself, so a launcher given
 * `--edge <this url>` reaches the edge only through it. `/_throttle/stats`
 * says how many bytes the edge has sent.
 *
 * Run as its own process (so it can sit in the benchmark's network namespace):
 *   node e2e/support/throttled-edge-proxy.ts --edge '<EDGE json>' --bytes-per-second N
 * It prints one JSON line `{"url"}` when it listens.
 */
import { createServer, request } from 'node:http'
import { connect } from 'node:net'
import { parseArgs } from 'node:util'
import type { AddressInfo, Socket } from 'node:net'
import type { Readable, Writable } from 'node:stream'

const { values } = parseArgs({ options: { edge: { type: 'string' }, 'bytes-per-second': { type: 'string' } } })
const edge = JSON.parse(values.edge ?? 'null') as { peerId: string, multiaddrs: string[], http: string } | null
const rate = Number(values['bytes-per-second'])
if (edge == null || !(rate > 0)) {
  throw new Error('usage: throttled-edge-proxy.ts --edge <EDGE json> --bytes-per-second <n>')
}
const upstream = new URL(edge.http)
const wsPort = Number(/\/tcp\/(\d+)\/ws/.exec(edge.multiaddrs[0])?.[1])

/** What the edge sent through here, all connections together */
let sent = 0
/** When each connection last sent: the ones busy now share the uplink */
const lastSentAt = new Map<object, number>()

/**
 * Edge → client at a fair share of the uplink: each connection busy in the
 * last moment gets an equal part of the rate (as TCP flows through one
 * bottleneck roughly do), so a small answer is not queued behind another
 * connection's large one.
 */
async function pump (from: Readable, to: Writable): Promise<void> {
  const self = {}
  let next = Date.now()
  try {
    for await (const chunk of from as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.byteLength; offset += 16384) {
        const piece = chunk.subarray(offset, offset + 16384)
        const now = Date.now()
        lastSentAt.set(self, now)
        const busy = [...lastSentAt.values()].filter(at => now - at < 200).length
        next = Math.max(next, now) + piece.byteLength * 1000 * busy / rate
        // a small burst goes at once; beyond it, each piece waits for its turn
        if (next - now > 20) {
          await new Promise(resolve => setTimeout(resolve, next - now - 20))
        }
        sent += piece.byteLength
        if (!to.write(piece)) {
          await new Promise(resolve => to.once('drain', resolve))
        }
      }
    }
  } catch {}
  lastSentAt.delete(self)
  to.end()
}

const server = createServer((req, res) => {
  const cors = { 'Access-Control-Allow-Origin': '*' }
  if (req.url === '/_throttle/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify({ bytes: sent, bytesPerSecond: rate }))
    return
  }
  if (req.url === '/info') {
    const self = `http://127.0.0.1:${port()}`
    res.writeHead(200, { 'Content-Type': 'application/json', ...cors }).end(JSON.stringify({
      ...edge, http: self, multiaddrs: [`/ip4/127.0.0.1/tcp/${port()}/ws/p2p/${edge.peerId}`]
    }))
    return
  }
  const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, answer => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    void pump(answer, res)
  })
  forward.on('error', () => { res.destroy() })
  res.on('close', () => { forward.destroy() })
  req.pipe(forward)
})

// libp2p's WebSocket dial: the upgrade goes to the edge's WebSocket listener, its answer comes back at the shared rate
server.on('upgrade', (req, client: Socket, head: Buffer) => {
  const toEdge = connect(wsPort, upstream.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headersDistinct).flatMap(([name, all]) => (all ?? []).map(value => `${name}: ${value}`)), '', '']
    toEdge.write(lines.join('\r\n'))
    toEdge.write(head)
    client.pipe(toEdge)
    void pump(toEdge, client)
  })
  const close = (): void => { client.destroy(); toEdge.destroy() }
  toEdge.on('error', close)
  client.on('error', close)
  client.on('close', close)
})

const port = (): number => (server.address() as AddressInfo).port
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port()}` })}\n`)
})
process.once('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)) })
