import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  /** Path and query */
  url: string
  /** Body bytes the edge sent for it */
  bytes: number
  /** The gateway went away before the edge's response ended */
  cancelled: boolean
}

export interface SlowEdgeProxy {
  url: string
  /** What the edge sent through this proxy so far */
  served(): { requests: ProxiedRequest[], bytes: number }
  stop(): Promise<void>
}

/**
 * Stands in front of a real edge's HTTP and holds each block back for
 * `delayMs`: an edge far away (with no delay, a relay that counts what the
 * edge sends). Its /info lists no WebSocket addresses, so a gateway given this
 * URL fetches every block through it.
 */
export async function startSlowEdgeProxy (edgeHttp: string, delayMs: number): Promise<SlowEdgeProxy> {
  const upstream = new URL(edgeHttp)
  const requests: ProxiedRequest[] = []
  const server = createServer((req, res) => {
    if (req.url === '/info') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
        .end(JSON.stringify({ http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, multiaddrs: [] }))
      return
    }
    const proxied: ProxiedRequest = { url: req.url ?? '', bytes: 0, cancelled: false }
    requests.push(proxied)
    setTimeout(() => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.on('data', (chunk: Buffer) => { proxied.bytes += chunk.byteLength })
        upstreamRes.pipe(res)
        // a gateway that went away ends the edge's response too, so nothing is counted that nobody received
        res.on('close', () => {
          proxied.cancelled = !upstreamRes.complete
          upstreamRes.destroy()
        })
      })
      forward.on('error', () => { res.destroy() })
      req.pipe(forward)
    }, delayMs)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => ({ requests: requests.map(r => ({ ...r })), bytes: requests.reduce((n, r) => n + r.bytes, 0) }),
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
