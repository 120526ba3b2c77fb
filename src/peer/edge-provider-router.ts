import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { reachableBrowserAddrs } from '../lib/reachable-browser.ts'
import { readRoutingAnswer } from '../lib/routing-answer.ts'
import type { RoutingRecord } from '../lib/routing-answer.ts'
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
 * address names, so only its `/webrtc` addresses through a configured edge's
 * relay are handed on (a bare relayed connection is limited and would carry
 * no bitswap; another relay is anyone's), and only if it speaks bitswap.
 * Answers are read with a byte cap: an edge cannot make the tab hold more.
 */
export class EdgeProviderRouter implements Router {
  readonly name = 'edgeway-edge-providers'
  private readonly urls: string[]
  private readonly self: string
  private readonly edgeIds: Set<string>

  constructor (init: EdgeProviderRouterInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.self = init.self
    this.edgeIds = new Set(init.edges.flatMap(edge => edge.peerId == null ? [] : [edge.peerId]))
  }

  async * findProviders (cid: CID, options: RoutingOptions = {}): AsyncGenerator<Provider> {
    options.signal?.throwIfAborted()
    const seen = new Set<string>()
    for (const url of this.urls) {
      for (const record of await this.lookup(url, cid, options)) {
        if (record.ID === this.self || seen.has(record.ID)) {
          continue
        }
        const provider = toProvider(record, reachableBrowserAddrs(record, this.edgeIds), this.name)
        if (provider != null) {
          seen.add(record.ID)
          yield provider
        }
      }
    }
  }

  /** The answer's records, read with a byte cap (routing-answer.ts) */
  private async lookup (url: string, cid: CID, options: RoutingOptions): Promise<RoutingRecord[]> {
    const signal = AbortSignal.any([AbortSignal.timeout(LOOKUP_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    try {
      const response = await fetch(`${url}/routing/v1/providers/${cid.toString()}`, { headers: { Accept: 'application/json' }, signal, cache: 'no-store' })
      if (!response.ok) {
        await response.body?.cancel()
        return []
      }
      return await readRoutingAnswer(response, { signal })
    } catch {
      options.signal?.throwIfAborted()
      // an edge that is down, slow or sends more than an answer knows of no one; the others may
      return []
    }
  }
}

/** `…/p2p/<relay>/p2p-circuit/webrtc`: WebRTC set up through a relay */
const WEBRTC_THROUGH_RELAY = /\/p2p\/[^/]+\/p2p-circuit\/webrtc(\/p2p\/[^/]+)?$/

/** The provider, with the addresses of `relayed` that set up WebRTC; undefined when it has none */
function toProvider (record: RoutingRecord, relayed: string[], router: string): Provider | undefined {
  try {
    const id = peerIdFromString(record.ID)
    const addrs: Multiaddr[] = []
    for (const text of relayed) {
      try {
        if (WEBRTC_THROUGH_RELAY.test(text)) {
          addrs.push(multiaddr(text))
        }
      } catch {}
    }
    if (addrs.length === 0) {
      return undefined
    }
    return { id: id.toCID(), multiaddrs: addrs, protocols: record.Protocols, router, fallback: false }
  } catch {
    return undefined
  }
}
