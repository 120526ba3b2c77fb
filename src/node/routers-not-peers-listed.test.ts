import { createServer } from 'node:http'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../lib/config.ts'
import { edgeHttp } from './block-sources.ts'
import { createEdgeNode } from './create-edge-node.ts'
import type { EdgeNode } from './create-edge-node.ts'
import type { BlockBroker } from '@helia/interface'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const EDGE = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const KUBO = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const BROWSER = '12D3KooWPeerBrowser'
const BLOCK = new TextEncoder().encode('a block browsers have')
/** A browser reached through the configured edge's relay: what would make browsers listed for a root if the edge listed it */
const BROWSER_RECORD = { Schema: 'peer', ID: BROWSER, Addrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE}/p2p-circuit/webrtc`], Protocols: ['transport-bitswap'] }
/** A DHT answer as Kubo gives it */
const KUBO_RECORD = { Schema: 'peer', ID: KUBO, Addrs: ['/ip4/127.0.0.1/tcp/4002', '/ip4/127.0.0.1/tcp/4003/ws'] }

/** A loopback routing endpoint answering `records` (404 for none), counting what it was asked. */
async function routing (records: unknown[]): Promise<{ server: Server, url: string, asked: string[] }> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    if (records.length === 0) {
      res.writeHead(404).end()
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Providers: records }))
    }
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked }
}

describe('a router\'s answer and the browsers listed for a root', () => {
  const servers: Server[] = []
  let node: EdgeNode | undefined

  afterEach(async () => {
    await node?.stop()
    node = undefined
    servers.splice(0).forEach(server => { server.close() })
  })

  /** A node with one edge and one router, whose tab would deliver any block it is asked for */
  async function start (edgeRecords: unknown[], routerRecords: unknown[]): Promise<{ node: EdgeNode, router: Awaited<ReturnType<typeof routing>>, tabAsked: () => number }> {
    const edge = await routing(edgeRecords)
    const router = await routing(routerRecords)
    servers.push(edge.server, router.server)
    let asked = 0
    const tab: BlockBroker = {
      name: 'tab',
      async retrieve () {
        asked++
        return BLOCK
      }
    }
    node = await createEdgeNode({
      config: parseConfig({ edges: [{ http: edge.url, peerId: EDGE, multiaddrs: [] }], routers: [router.url], allowLocal: true, allowInsecure: true }),
      blockstore: new MemoryBlockstore(),
      sources: [edgeHttp(), () => ({ reaches: 'peers', broker: tab })],
      peersReachable: () => true
    })
    return { node, router, tabAsked: () => asked }
  }

  it('does not list browsers for a root when only a router lists browsers and bitswap peers for it', async () => {
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    const { node, router, tabAsked } = await start([], [BROWSER_RECORD, KUBO_RECORD])
    // the router's answer is known to the node (it found a bitswap provider in it)...
    expect((await node.discovery!.find(root)).bitswap.map(provider => provider.peerId)).toEqual([KUBO])
    expect(router.asked).toHaveLength(1)
    // ...and other browsers are still not listed for the root: only the configured edge's listing counts, and it lists nobody
    expect(await node.peersListed(root)).toBe(false)
    expect(tabAsked()).toBe(0)
    expect(router.asked).toHaveLength(1)
  })

  it('lists browsers when the configured edge itself lists one (the same node, the same records), and asks them nothing yet', async () => {
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    const { node, tabAsked } = await start([BROWSER_RECORD], [])
    expect(await node.peersListed(root)).toBe(true)
    // a listing is only an edge's word: nothing is fetched, nor waited for, because of it
    expect(tabAsked()).toBe(0)
  })
})
