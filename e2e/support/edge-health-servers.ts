import { createServer } from 'node:http'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

export interface TestEdgeServer {
  url: string
  /** Content requests (`/ipfs/…`) it received */
  asked(): number
  stop(): Promise<void>
}

export interface StalledEdge extends TestEdgeServer {
  /** Content requests the gateway gave up on (closed before an answer) */
  abandoned(): number
}

export interface LyingCarEdge extends TestEdgeServer {
  /** Content requests it answered with a forged block */
  lies(): number
}

/** An edge that accepts every content request and never answers it: a stalled server. `/info` is a 404, so it is known by URL alone. */
export async function startStalledEdge (): Promise<StalledEdge> {
  let asked = 0
  let abandoned = 0
  const server = createServer((req, res) => {
    if (!(req.url ?? '').startsWith('/ipfs/')) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    asked++
    res.on('close', () => { abandoned++ })
  })
  return { ...await listen(server, () => asked), abandoned: () => abandoned }
}

/**
 * An edge that lies about every block: a raw-block request gets other bytes,
 * a CAR request gets a well-formed CAR whose block, under the CID asked for,
 * is other bytes. Only the hash check can tell.
 */
export async function startLyingCarEdge (): Promise<LyingCarEdge> {
  let lies = 0
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://edge')
    const cid = /^\/ipfs\/([^/]+)/.exec(url.pathname)?.[1]
    if (cid == null) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end()
      return
    }
    lies++
    const forged = new TextEncoder().encode(`not the block ${cid}`)
    const car = url.searchParams.get('format') === 'car' || (req.headers.accept ?? '').includes('vnd.ipld.car')
    void (car ? carOf(CID.parse(cid), forged) : Promise.resolve(forged)).then(body => {
      res.writeHead(200, {
        'Content-Type': car ? 'application/vnd.ipld.car' : 'application/vnd.ipld.raw',
        'Content-Length': String(body.byteLength),
        'Access-Control-Allow-Origin': '*'
      }).end(body)
    })
  })
  const listening = await listen(server, () => lies)
  return { ...listening, lies: () => lies }
}

/** A CARv1 of one block, `bytes` under `cid` (whether or not they match). */
export async function carOf (cid: CID, bytes: Uint8Array): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([cid])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  await writer.put({ cid, bytes })
  await writer.close()
  await collected
  return Buffer.concat(parts)
}

async function listen (server: Server, asked: () => number): Promise<TestEdgeServer> {
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}
