import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface DappServer {
  server: Server
  url: string
}

/**
 * A dApp's own origin: a plain page that knows nothing of Edgeway but the SDK URL, and puts `createEdgeClient` on
 * `window`; `headers` go with the page (a Content-Security-Policy of its own)
 */
export async function startDappServer (sdkUrl: string, headers: Record<string, string> = {}): Promise<DappServer> {
  const page = `<!doctype html><title>a dApp</title><p>plain page</p>
<script type="module">import { createEdgeClient } from '${sdkUrl}'; window.createEdgeClient = createEdgeClient</script>`
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...headers }).end(page)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}
