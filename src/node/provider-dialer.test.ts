import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { EdgePeerSet, MAX_DISCOVERED_PEERS, ProviderDialer } from './provider-dialer.ts'
import type { Libp2p } from '@libp2p/interface'

const CONFIGURED = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const PROVIDER = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const cidOf = (peer: string): string => peerIdFromString(peer).toCID().toString()

/** A libp2p whose dials succeed or fail as told, recording them */
function fakeLibp2p (succeeds: boolean): Pick<Libp2p, 'dial' | 'getConnections'> & { dials: string[][] } {
  const connected = new Set<string>()
  const fake = {
    dials: [] as string[][],
    getConnections: (peer?: unknown) => connected.has(String(peer)) ? [{}] : [],
    dial: async (addresses: unknown) => {
      const list = (addresses as Array<{ toString(): string }>).map(String)
      fake.dials.push(list)
      if (!succeeds) throw new Error('connection refused')
      connected.add(/\/p2p\/([^/]+)$/.exec(list[0])?.[1] ?? '')
      return {}
    }
  }
  return fake as unknown as Pick<Libp2p, 'dial' | 'getConnections'> & { dials: string[][] }
}

const provider = { peerId: PROVIDER, multiaddrs: [`/ip4/127.0.0.1/tcp/4003/ws/p2p/${PROVIDER}`] }

describe('ProviderDialer', () => {
  it('dials a listed provider once, and counts its bitswap blocks as edge blocks from then on', async () => {
    const peers = new EdgePeerSet([cidOf(CONFIGURED)])
    const libp2p = fakeLibp2p(true)
    const dialer = new ProviderDialer(peers)
    expect(peers.has(cidOf(PROVIDER))).toBe(false)
    expect(await dialer.connect(libp2p, [provider])).toBe(true)
    expect(await dialer.connect(libp2p, [provider])).toBe(true)
    expect(libp2p.dials).toEqual([provider.multiaddrs])
    expect(peers.has(cidOf(PROVIDER))).toBe(true)
    expect(peers.has(cidOf(CONFIGURED))).toBe(true)
  })

  it('does not dial a provider again soon after it could not be reached', async () => {
    const peers = new EdgePeerSet([])
    const libp2p = fakeLibp2p(false)
    const dialer = new ProviderDialer(peers)
    expect(await dialer.connect(libp2p, [provider])).toBe(false)
    expect(await dialer.connect(libp2p, [provider])).toBe(false)
    expect(libp2p.dials).toHaveLength(1)
    expect(peers.has(cidOf(PROVIDER))).toBe(false)
  })
})

describe('EdgePeerSet', () => {
  it('keeps a bounded number of discovered peers, never dropping a configured edge', () => {
    const peers = new EdgePeerSet(['configured'])
    for (let i = 0; i < MAX_DISCOVERED_PEERS + 10; i++) peers.addDiscovered(`peer-${i}`)
    expect(peers.has('configured')).toBe(true)
    expect(peers.has('peer-0')).toBe(false)
    expect(peers.has('peer-9')).toBe(false)
    expect(peers.has('peer-10')).toBe(true)
    expect(peers.has(`peer-${MAX_DISCOVERED_PEERS + 9}`)).toBe(true)
  })
})
