import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SlowEdgeProxy {
  url: string
  stop(): Promise<void>
}

/**
 * Stands in front of a real edge's HTTP and holds each block back for
 * `delayMs`: an edge far away. Its /info lists no WebSocket addresses, so a
 * gateway given this URL fetches every block through the delay.
 */
export async function startSlowEdgeProxy (edgeHttp: string, delayMs: number): Promise<SlowEdgeProxy> {
  const upstream = new URL(edgeHttp)
  const server = createServer((req, res) => {
    if (req.url === '/info') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
        .end(JSON.stringify({ http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, multiaddrs: [] }))
      return
    }
    setTimeout(() => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.pipe(res)
      })
      forward.on('error', () => { res.destroy() })
      req.pipe(forward)
    }, delayMs)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
