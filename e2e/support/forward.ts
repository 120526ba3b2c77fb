import { request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Passes one request on to `upstream` (an edge's HTTP) and its answer back,
 * as it comes; a client that goes away ends the upstream response too.
 */
export function forward (upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const onward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, upstreamRes => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
    upstreamRes.pipe(res)
    res.on('close', () => { upstreamRes.destroy() })
  })
  onward.on('error', () => { res.destroy() })
  req.pipe(onward)
}
