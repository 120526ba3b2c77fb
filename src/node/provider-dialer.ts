import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { BitswapProvider } from '../lib/routing-providers.ts'
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

/** How long a provider that could not be dialled is not dialled again: every block of a request would try. */
export const FAILED_DIAL_MS = 30_000

/**
 * Connects the bitswap providers a router listed, so bitswap (which asks
 * every connected peer for the blocks it wants) asks them too. Dials go
 * through the node's connection gater, so the address policy is the edges'.
 * A provider that could not be dialled is left alone for a while (a bounded
 * number of them are remembered).
 */
export class ProviderDialer {
  private readonly peers: EdgePeerSet
  private readonly failedUntil = new Map<string, number>()

  constructor (peers: EdgePeerSet) {
    this.peers = peers
  }

  /** Resolves true once any of `providers` is connected; false when none could be. */
  async connect (libp2p: Pick<Libp2p, 'dial' | 'getConnections'>, providers: BitswapProvider[], options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const signal = AbortSignal.any([AbortSignal.timeout(PROVIDER_DIAL_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const dialled = await Promise.allSettled(providers.map(async provider => {
      const peerId = peerIdFromString(provider.peerId)
      if (libp2p.getConnections(peerId).length > 0) return
      if ((this.failedUntil.get(provider.peerId) ?? 0) > Date.now()) throw new Error('dialled recently without success')
      try {
        await libp2p.dial(provider.multiaddrs.map(address => multiaddr(address)), { signal })
        this.peers.addDiscovered(peerId.toCID().toString())
      } catch (err) {
        if (options.signal?.aborted !== true) this.failed(provider.peerId)
        throw err
      }
    }))
    return dialled.some(result => result.status === 'fulfilled')
  }

  private failed (peerId: string): void {
    this.failedUntil.delete(peerId)
    this.failedUntil.set(peerId, Date.now() + FAILED_DIAL_MS)
    if (this.failedUntil.size > MAX_DISCOVERED_PEERS) {
      this.failedUntil.delete(this.failedUntil.keys().next().value as string)
    }
  }
}
