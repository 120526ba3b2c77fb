import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface CountingEdgeProxy {
  url: string
  /** Body bytes the edge behind it sent so far */
  bytes(): number
  /** The paths (with their queries) asked of the edge so far, in order */
  requests(): string[]
  stop(): Promise<void>
}

export interface CountingEdgeProxyOptions {
  /**
   * How long to hold a request before relaying it, by its path and query
   * (a slow edge for some requests)
   *
   * @default no delay
   */
  delayMs?(url: string): number
}

/**
 * Stands in front of any edge's HTTP gateway (ours or Kubo's) and counts the
 * body bytes it sends, so a test can tell which edge served a read. Its
 * `/info` lists no WebSocket address: a gateway given this URL fetches every
 * block through it. When the edge's process dies mid-answer, the answer
 * breaks off here too (a plain pipe would leave it open, a stall instead of
 * the dropped connection the gateway would see without the proxy).
 */
export async function startCountingEdgeProxy (edgeHttp: string, { delayMs = () => 0 }: CountingEdgeProxyOptions = {}): Promise<CountingEdgeProxy> {
  const upstream = new URL(edgeHttp)
  let bytes = 0
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const delay = delayMs(req.url ?? '')
    if (delay > 0) {
      setTimeout(() => { relay(req, res) }, delay)
    } else {
      relay(req, res)
    }
  })
  const relay = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/info') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
        .end(JSON.stringify({ http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, multiaddrs: [] }))
      return
    }
    const onward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, upstreamRes => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
      upstreamRes.on('data', (chunk: Buffer) => { bytes += chunk.byteLength })
      upstreamRes.pipe(res)
      upstreamRes.on('close', () => { if (!upstreamRes.complete) res.destroy() })
      res.on('close', () => { upstreamRes.destroy() })
    })
    onward.on('error', () => { res.destroy() })
    req.pipe(onward)
  }
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    requests: () => [...requests],
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
