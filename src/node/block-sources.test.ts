import { createServer } from 'node:http'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultLogger } from '@libp2p/logger'
import { parseConfig } from '../lib/config.ts'
import { bitswap, BitswapNotStartedError } from './bitswap-source.ts'
import { edgeHttp, tabBridge } from './block-sources.ts'
import { createEdgeNode } from './create-edge-node.ts'
import { noDns } from './no-dns.ts'
import { peerIdToCidString } from './peer-cid.ts'
import { EdgePeerSet } from './provider-dialer.ts'
import { collect } from '../peer/collect.ts'
import type { TabPeerLink } from './block-sources.ts'
import type { EdgeNode } from './create-edge-node.ts'
import type { BitswapProvider } from '../lib/routing-providers.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const EDGE = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const KUBO = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const BLOCK = new TextEncoder().encode('a block only a bitswap provider has')
/** A bitswap-only provider as Kubo's routing lists it: a WebSocket address, no gateway */
const KUBO_RECORD = { Schema: 'peer', ID: KUBO, Addrs: ['/ip4/127.0.0.1/tcp/4003/ws'], Protocols: ['transport-bitswap'] }

/** A loopback server: `/routing/v1/providers/…` answers `records`, everything else (a trustless gateway) 404 */
async function server (records: unknown[]): Promise<{ server: Server, url: string, asked: string[] }> {
  const asked: string[] = []
  const listening = createServer((req, res) => {
    asked.push(req.url ?? '')
    if (req.url?.startsWith('/routing/v1/providers/') === true && records.length > 0) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Providers: records }))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>(resolve => { listening.listen(0, '127.0.0.1', resolve) })
  return { server: listening, url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, asked }
}

/**
 * A tab's peer as the SW's bridge reaches it: connected to the edges
 * (`hasEdges`), or holding a want, as bitswap does, until it dialled the provider
 */
function fakeTab (options: { hasEdges?: boolean } = {}): TabPeerLink & { wants: number, dialled: BitswapProvider[][], askedAt: number[] } {
  let onConnected = (): void => {}
  const providerConnected = new Promise<void>(resolve => { onConnected = resolve })
  const tab = {
    wants: 0,
    dialled: [] as BitswapProvider[][],
    askedAt: [] as number[],
    connected: () => true,
    async request () {
      tab.wants++
      tab.askedAt.push(Date.now())
      if (options.hasEdges === true) return { bytes: BLOCK, from: EDGE }
      await providerConnected
      return { bytes: BLOCK, from: KUBO }
    },
    async connectProviders (providers: BitswapProvider[]) {
      tab.dialled.push(providers)
      onConnected()
      return providers.map(provider => provider.peerId)
    }
  }
  return tab
}

describe('block sources as factories', () => {
  const servers: Server[] = []
  let node: EdgeNode | undefined

  afterEach(async () => {
    await node?.stop()
    node = undefined
    servers.splice(0).forEach(listening => { listening.close() })
  })

  it('the node owns its sources in the order given, and Helia asks exactly those', async () => {
    node = await createEdgeNode({
      config: parseConfig({ edges: [{ http: 'http://127.0.0.1:9', multiaddrs: [] }], allowLocal: true, allowInsecure: true }),
      blockstore: new MemoryBlockstore(),
      sources: [edgeHttp(), tabBridge(fakeTab())]
    })
    const brokers = (node.helia as unknown as { blockBrokers: Array<{ name: string }> }).blockBrokers
    expect(brokers.map(broker => broker.name)).toEqual(['edgeway-edge-http', 'edgeway-tab-bridge'])
    // nothing speaks libp2p in a node built from HTTP and the bridge
    expect('libp2p' in node.helia).toBe(false)
  })

  it('a bitswap provider a router lists is handed to the tab to dial, and its block comes through the bridge, counted as edge', async () => {
    const edge = await server([])
    const router = await server([KUBO_RECORD])
    servers.push(edge.server, router.server)
    const tab = fakeTab()
    node = await createEdgeNode({
      config: parseConfig({ edges: [{ http: edge.url, peerId: EDGE, multiaddrs: [] }], routers: [router.url], allowLocal: true, allowInsecure: true }),
      blockstore: new MemoryBlockstore(),
      // the bridge waits for the HTTP edges' 404 before it asks, then is asked at once
      sources: [edgeHttp(), tabBridge(tab, { delayMs: 5_000 })]
    })
    const cid = CID.createV1(raw.code, await sha256.digest(BLOCK))
    const events: Array<{ type: string, detail: { source?: string, via?: string } }> = []
    const bytes = await collect(node.helia.blockstore.get(cid, { signal: AbortSignal.timeout(4_000), onProgress: (event: { type: string, detail: unknown }) => { events.push(event as typeof events[number]) } }))
    expect(bytes).toEqual(BLOCK)
    expect(tab.dialled).toEqual([[{ peerId: KUBO, multiaddrs: [`/ip4/127.0.0.1/tcp/4003/ws/p2p/${KUBO}`] }]])
    expect(events.find(event => event.type === 'edgeway:block:received')?.detail).toMatchObject({ source: 'edge', via: 'bridge' })
  })

  it('with edges given only as multiaddrs, the tab is asked at once, not after the HTTP edges\' delay', async () => {
    const tab = fakeTab({ hasEdges: true })
    node = await createEdgeNode({
      config: parseConfig({ edges: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE}`], allowLocal: true, allowInsecure: true }),
      blockstore: new MemoryBlockstore(),
      sources: [edgeHttp(), tabBridge(tab, { delayMs: 5_000 })]
    })
    const cid = CID.createV1(raw.code, await sha256.digest(BLOCK))
    const started = Date.now()
    const bytes = await collect(node.helia.blockstore.get(cid, { signal: AbortSignal.timeout(4_000) }))
    expect(bytes).toEqual(BLOCK)
    expect(tab.askedAt[0] - started).toBeLessThan(1_000)
    // the edge is counted as an edge by the CID string bitswap's events use
    expect(node.edgePeers.has(peerIdToCidString(EDGE)!)).toBe(true)
  })

  it('bitswap() makes a libp2p source that says so until the node starts it', async () => {
    const made = bitswap()({
      config: parseConfig({ edges: [], allowLocal: true, allowInsecure: true }),
      logger: defaultLogger(),
      blockstore: new MemoryBlockstore(),
      dns: noDns(),
      edgePeers: new EdgePeerSet([])
    } as unknown as Parameters<ReturnType<typeof bitswap>>[0])
    expect(made.reaches).toBe('edges')
    expect(made.connected?.()).toBe(false)
    const cid = CID.createV1(raw.code, await sha256.digest(BLOCK))
    await expect(made.broker.retrieve!(cid)).rejects.toThrow(BitswapNotStartedError)
  })
})
