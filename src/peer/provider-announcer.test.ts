import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { EdgeProviderRouter } from './edge-provider-router.ts'
import { ProviderAnnouncer } from './provider-announcer.ts'
import { connectLivePeer } from '../../e2e/support/live-peer.ts'
import type { LivePeer } from '../../e2e/support/live-peer.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { PrivateKey } from '@libp2p/interface'

const DAG_PB = 0x70
/** A tab's addresses through the edge's relay: a finder counts only browsers reached through a configured edge */
function relayAddresses (relay: string): string[] {
  return [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${relay}/p2p-circuit`, `/ip4/127.0.0.1/tcp/4001/ws/p2p/${relay}/p2p-circuit/webrtc`]
}

async function blockCid (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

describe('announcing a tab\'s blocks, and finding them, through an edge', () => {
  let edge: Edge
  let key: PrivateKey
  let peerId: string
  const held: CID[] = []
  let addresses: string[] = []
  let live: LivePeer

  beforeAll(async () => {
    edge = await startEdge()
    key = await generateKeyPair('Ed25519')
    // an edge takes announcements only from a peer connected to it, as a tab is
    live = await connectLivePeer(edge.info, { privateKey: key })
    peerId = peerIdFromPrivateKey(key).toString()
    held.push(await blockCid('one'), await blockCid('two'))
  })

  afterAll(async () => {
    await live?.stop()
    await edge?.stop()
  })

  function announcer (shared: CID[] = held, rescanEveryMs = 50): ProviderAnnouncer {
    return new ProviderAnnouncer({
      urls: [edge.info.http],
      signer: key,
      peerId,
      addresses: () => addresses,
      blocks: async function * () { yield * shared },
      log: defaultLogger().forComponent('test'),
      rescanEveryMs
    })
  }

  async function found (cid: CID, self = 'someone else'): Promise<Array<{ id: string, addrs: string[] }>> {
    const router = new EdgeProviderRouter({ edges: [{ http: edge.info.http, multiaddrs: [], peerId: edge.info.peerId }], self })
    const providers = []
    for await (const provider of router.findProviders(cid)) {
      providers.push({ id: provider.id.toString(), addrs: provider.multiaddrs.map(String) })
    }
    return providers
  }

  it('announces nothing until the tab has a relay address, then everything the store holds, and blocks added later', async () => {
    const announcing = announcer()
    announcing.start()
    await new Promise(resolve => setTimeout(resolve, 150))
    expect(await found(held[0])).toEqual([])

    addresses = relayAddresses(edge.info.peerId)
    await expect.poll(async () => found(held[0])).toHaveLength(1)
    // a reader finds it under any CID of the same bytes, and is given only the WebRTC address
    const [provider] = await found(CID.createV1(DAG_PB, held[1].multihash))
    expect(peerIdFromPrivateKey(key).toCID().toString()).toBe(provider.id)
    expect(provider.addrs).toEqual([relayAddresses(edge.info.peerId)[1]])

    const published = await blockCid('published just now')
    await announcing.announce([published])
    expect(await found(published)).toHaveLength(1)
    expect(announcing.count).toBe(3)

    // a tab never dials itself
    expect(await found(published, peerId)).toEqual([])

    await announcing.stop(true)
    expect(await found(held[0])).toEqual([])
    expect(await found(published)).toEqual([])
  })

  it('withdraws a block it no longer shares when it lists them again: refresh() resolves once the edge has forgotten it', async () => {
    addresses = relayAddresses(edge.info.peerId)
    const kept = await blockCid('kept shared')
    const dropped = await blockCid('no longer shared')
    const shared = [kept, dropped]
    // no rescan of its own during the test: refresh() alone must do it
    const announcing = announcer(shared, 60_000)
    announcing.start()
    await announcing.refresh()
    expect(await found(dropped)).toHaveLength(1)

    shared.pop()
    await announcing.refresh()
    expect(await found(dropped)).toEqual([])
    expect(await found(kept)).toHaveLength(1)
    expect(announcing.count).toBe(1)
    await announcing.stop(true)
  })
})
