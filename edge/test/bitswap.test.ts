import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { createSiteFixture, sha256Matches } from './fixtures.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

/** A Node client shaped like a browser peer: WebSockets only, no routing, no discovery */
function createClient (): ReturnType<typeof withBitswap> {
  return withBitswap(withLibp2pLight(createHeliaLight({ routers: [] }), {
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify() }
  }))
}

describe('bitswap over WebSockets', () => {
  let fixture: SiteFixture
  let edge: Edge
  let client: ReturnType<typeof createClient>
  let root: CID

  beforeAll(async () => {
    fixture = await createSiteFixture()
    edge = await startEdge({ serve: [fixture.site] })
    root = CID.parse(edge.info.roots[fixture.site])
    client = createClient()
    await client.start()
    await client.libp2p.dial(multiaddr(edge.info.multiaddrs[0]))
  })

  afterAll(async () => {
    await client?.stop()
    await edge?.stop()
    await fixture?.cleanup()
  })

  it('fetches a block from the edge', async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of client.blockstore.get(root, { signal: AbortSignal.timeout(5_000) })) {
      chunks.push(chunk)
    }
    expect(await sha256Matches(root, Buffer.concat(chunks))).toBe(true)
  })

  it('fetches a 3 MiB file block by block', async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of unixfs(client).cat(root, { path: 'data/big.bin', signal: AbortSignal.timeout(10_000) })) {
      chunks.push(chunk)
    }
    expect(Buffer.concat(chunks).equals(fixture.files['data/big.bin'])).toBe(true)
  })
})
