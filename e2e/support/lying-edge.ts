import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LyingEdge {
  url: string
  /** How many block requests it answered with wrong bytes */
  lies(): number
  stop(): Promise<void>
}

/**
 * An HTTP edge that answers every raw-block request with bytes that are not
 * the block: what a compromised or broken edge looks like to a browser.
 */
export async function startLyingEdge (forge: (cid: string) => Uint8Array): Promise<LyingEdge> {
  let lies = 0
  const server = createServer((req, res) => {
    const cid = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '')?.[1]
    if (cid == null) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    lies++
    const body = forge(cid)
    res.writeHead(200, {
      'Content-Type': 'application/vnd.ipld.raw',
      'Content-Length': String(body.byteLength),
      'Access-Control-Allow-Origin': '*'
    }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lies: () => lies,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
