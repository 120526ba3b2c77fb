import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { BitswapProvider } from '../routing-providers.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

/** How long a provider's WebSocket dial (and its handshake) may take. */
export const PROVIDER_DIAL_TIMEOUT_MS = 5_000
/** Discovered peers counted as edges at once; the oldest is forgotten first. */
export const MAX_DISCOVERED_PEERS = 64

/**
 * The peers whose bitswap blocks count as `edge`: the configured edges, and
 * the providers a router listed that this node dialled (a bounded number of
 * them, the most recent). Anyone else sending blocks is another browser.
 */
export class EdgePeerSet implements Pick<ReadonlySet<string>, 'has'> {
  private readonly configured: ReadonlySet<string>
  private readonly discovered = new Set<string>()

  constructor (configured: Iterable<string>) {
    this.configured = new Set(configured)
  }

  /** A provider, by its peer id as a CID string */
  addDiscovered (peer: string): void {
    if (this.configured.has(peer)) return
    this.discovered.delete(peer)
    this.discovered.add(peer)
    if (this.discovered.size > MAX_DISCOVERED_PEERS) {
      this.discovered.delete(this.discovered.values().next().value as string)
    }
  }

  has (peer: string): boolean {
    return this.configured.has(peer) || this.discovered.has(peer)
  }
}

/**
 * Connects the bitswap providers a router listed, so bitswap (which asks
 * every connected peer for the blocks it wants) asks them too. Dials go
 * through the node's connection gater, so the address policy is the edges'.
 * Resolves true once any provider is connected; false when none could be.
 */
export function providerDialer (libp2p: Pick<Libp2p, 'dial' | 'getConnections'>, peers: EdgePeerSet): (providers: BitswapProvider[], options: AbortOptions) => Promise<boolean> {
  return async (providers, options) => {
    options.signal?.throwIfAborted()
    const signal = AbortSignal.any([AbortSignal.timeout(PROVIDER_DIAL_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const dialled = await Promise.allSettled(providers.map(async provider => {
      const peerId = peerIdFromString(provider.peerId)
      peers.addDiscovered(peerId.toCID().toString())
      if (libp2p.getConnections(peerId).length === 0) {
        await libp2p.dial(provider.multiaddrs.map(address => multiaddr(address)), { signal })
      }
    }))
    return dialled.some(result => result.status === 'fulfilled')
  }
}
