import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  method: string
  /** Path and query as the client sent them */
  path: string
  body: string
}

export interface AttackerServer {
  /** `http://127.0.0.1:<port>`: what a hostile site names as its edge and sends its findings to */
  url: string
  /** Every request received, in order */
  seen: SeenRequest[]
  stop(): Promise<void>
}

/** What one beacon may carry: a findings report is a few kilobytes; anything larger is cut, not buffered. */
const MAX_BEACON_BYTES = 256 * 1024

/**
 * The attacker's own HTTP server, on loopback only: the edge a hostile site
 * tries to slip into the gateway's edge list (every block request the
 * gateway's SW would send it shows here) and the collector of what the
 * site's script managed. It has no content: a content request is held
 * unanswered until the server stops, anything else gets a 404.
 */
export async function startAttackerServer (): Promise<AttackerServer> {
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { if (body.length < MAX_BEACON_BYTES) body += chunk.toString() })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', body })
      if (/^\/ip[fn]s\//.test(req.url ?? '')) {
        // as an edge it stalls: a SW that uses it waits, and asks its other sources (its tab peer) meanwhile
        return
      }
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
    })
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', () => { resolve() }) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async stop () {
      // the held content requests end here
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}
