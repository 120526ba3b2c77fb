import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { Provider, Router, RoutingOptions } from '@helia/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export interface EdgeProviderRouterInit {
  /** Edges whose delegated routing (`<http>/routing/v1/providers/<cid>`) is asked */
  edges: EdgeEndpoint[]
  /** This peer's own id: it never dials itself */
  self: string
}

/** A provider lookup that takes longer than this is given up (the edge is on the same network as its relay). */
const LOOKUP_TIMEOUT_MS = 5_000

/**
 * Finds other browsers that announced a block, through the edges' delegated
 * routing, and nothing else: no DHT, no public routers. Edges themselves are
 * left out (the tab is connected to them already, and bitswap asks connected
 * peers first). A browser is reached over WebRTC, set up through the relay its
 * address names, so only its `/webrtc` addresses are handed on: a bare
 * relayed connection is limited and would carry no bitswap.
 */
export class EdgeProviderRouter implements Router {
  readonly name = 'edgeway-edge-providers'
  private readonly urls: string[]
  private readonly skip: Set<string>

  constructor (init: EdgeProviderRouterInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.skip = new Set([init.self, ...init.edges.flatMap(edge => edge.peerId == null ? [] : [edge.peerId])])
  }

  async * findProviders (cid: CID, options: RoutingOptions = {}): AsyncGenerator<Provider> {
    options.signal?.throwIfAborted()
    const seen = new Set<string>()
    for (const url of this.urls) {
      for (const record of await this.lookup(url, cid, options)) {
        if (this.skip.has(record.ID) || seen.has(record.ID)) {
          continue
        }
        const provider = toProvider(record, this.name)
        if (provider != null) {
          seen.add(record.ID)
          yield provider
        }
      }
    }
  }

  private async lookup (url: string, cid: CID, options: RoutingOptions): Promise<RoutingRecord[]> {
    const signal = AbortSignal.any([AbortSignal.timeout(LOOKUP_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    try {
      const response = await fetch(`${url}/routing/v1/providers/${cid.toString()}`, { headers: { Accept: 'application/json' }, signal, cache: 'no-store' })
      if (!response.ok) {
        await response.body?.cancel()
        return []
      }
      const body = await response.json() as { Providers?: unknown }
      return Array.isArray(body.Providers) ? body.Providers.filter(isRoutingRecord) : []
    } catch {
      options.signal?.throwIfAborted()
      // an edge that is down or slow knows of no one; the others may
      return []
    }
  }
}

/** `…/p2p/<relay>/p2p-circuit/webrtc`: WebRTC set up through a relay */
const WEBRTC_THROUGH_RELAY = /\/p2p\/[^/]+\/p2p-circuit\/webrtc(\/p2p\/[^/]+)?$/

interface RoutingRecord {
  ID: string
  Addrs: string[]
  Protocols?: string[]
}

function isRoutingRecord (value: unknown): value is RoutingRecord {
  const record = value as Partial<RoutingRecord> | null
  return record != null && typeof record.ID === 'string' && Array.isArray(record.Addrs) && record.Addrs.every(a => typeof a === 'string')
}

function toProvider (record: RoutingRecord, router: string): Provider | undefined {
  try {
    const id = peerIdFromString(record.ID)
    const addrs: Multiaddr[] = []
    for (const text of record.Addrs) {
      try {
        if (WEBRTC_THROUGH_RELAY.test(text)) {
          addrs.push(multiaddr(text))
        }
      } catch {}
    }
    if (addrs.length === 0 || (record.Protocols != null && !record.Protocols.includes('transport-bitswap'))) {
      return undefined
    }
    return { id: id.toCID(), multiaddrs: addrs, protocols: record.Protocols, router, fallback: false }
  } catch {
    return undefined
  }
}
