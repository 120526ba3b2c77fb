import { multiaddr } from '@multiformats/multiaddr'
import { HTTP, HTTPS, WebSockets, WebSocketsSecure } from '@multiformats/multiaddr-matcher'
import { multiaddrToUri } from '@multiformats/multiaddr-to-uri'
import { peerIdFromString } from '@libp2p/peer-id'
import { isInsecureMultiaddr, isLocalHost, multiaddrHost } from './address-policy.ts'
import type { RoutingRecord } from './routing-answer.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The protocol a provider lists for its trustless gateway (`/ipfs/<cid>?format=raw|car`) */
export const GATEWAY_HTTP = 'transport-ipfs-gateway-http'
/** The protocol a provider lists for bitswap over libp2p */
export const BITSWAP = 'transport-bitswap'

/**
 * A trustless gateway's address: plain or TLS HTTP over TCP (not relayed, not a bare `/tcp`). The matchers
 * know `/https` and `/tls/http`, not `/tls/sni/<name>/http`, which multiaddr-to-uri turns into `https://<name>`.
 */
const HttpGateway = {
  exactMatch: (address: Multiaddr): boolean => HTTP.exactMatch(address) || HTTPS.exactMatch(address) ||
    /^(ip4|ip6|dns|dns4|dns6)\/tcp\/tls\/sni\/http(\/p2p)?$/.test(address.getComponents().map(part => part.name).join('/'))
}

/** WebSocket addresses kept per bitswap provider: one usually works, a few cover ip4/ip6/dns. */
const MAX_ADDRS_PER_PEER = 4

/** Which addresses may be used, as for edges: loopback/private only with `allowLocal`, `http:`/`ws:` only with `allowInsecure`. */
export interface ProviderPolicy {
  allowLocal: boolean
  allowInsecure: boolean
}

/** A provider reached over libp2p: WebSocket multiaddrs ending in `/p2p/<peerId>` */
export interface BitswapProvider {
  peerId: string
  multiaddrs: string[]
}

/** Providers of one CID, in the order the routers listed them */
export interface FoundProviders {
  /** Trustless gateway base URLs (`https://host[:port]`) */
  http: string[]
  /** Peers that serve bitswap and have no usable HTTP gateway */
  bitswap: BitswapProvider[]
}

export interface SelectProvidersOptions extends ProviderPolicy {
  /** @default 3 */
  maxHttp?: number
  /** @default 3 */
  maxBitswap?: number
  /** Gateway URLs not to list (the configured edges, already asked) */
  excludeHttp?: ReadonlySet<string>
  /** Peer ids not to list (the configured edges) */
  excludePeers?: ReadonlySet<string>
}

/**
 * The providers worth asking among a routing answer's records, bounded.
 * A record with an HTTP gateway address (and `transport-ipfs-gateway-http`
 * listed, or no protocols at all) is an HTTP provider; one without, that
 * lists `transport-bitswap` or no protocols (as Kubo's DHT answers do) and
 * has a `/ws` or `/wss` address, is a bitswap provider. A peer with both is
 * asked over HTTP only: asking it over bitswap too would bring every block
 * twice. Addresses that are not for browsers (`/tcp`, `/quic-v1`, relays)
 * and those the policy forbids are left out.
 */
export function selectProviders (records: readonly RoutingRecord[], options: SelectProvidersOptions): FoundProviders {
  const maxHttp = options.maxHttp ?? 3
  const maxBitswap = options.maxBitswap ?? 3
  const found: FoundProviders = { http: [], bitswap: [] }
  const seenPeers = new Set<string>()
  for (const record of records) {
    if (seenPeers.has(record.ID) || options.excludePeers?.has(record.ID) === true) continue
    seenPeers.add(record.ID)
    const protocols = record.Protocols ?? []
    const gateway = protocols.length === 0 || protocols.includes(GATEWAY_HTTP)
      ? record.Addrs.map(gatewayUrlOf).find((url): url is string => url != null && httpAllowed(url, options))
      : undefined
    if (gateway != null) {
      if (found.http.length < maxHttp && !found.http.includes(gateway) && options.excludeHttp?.has(gateway) !== true) {
        found.http.push(gateway)
      }
      continue
    }
    if (found.bitswap.length >= maxBitswap || (protocols.length > 0 && !protocols.includes(BITSWAP)) || !isPeerId(record.ID)) continue
    const multiaddrs = record.Addrs
      .map(addr => websocketAddrOf(addr, record.ID))
      .filter((addr): addr is string => addr != null && wsAllowed(addr, options))
      .slice(0, MAX_ADDRS_PER_PEER)
    if (multiaddrs.length > 0) {
      found.bitswap.push({ peerId: record.ID, multiaddrs })
    }
  }
  return found
}

/**
 * The trustless gateway URL of an HTTP multiaddr: `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>`
 * followed by `/http`, `/https` or `/tls[/sni/<name>]/http` (optionally `/p2p/<id>`).
 * Undefined for anything else.
 */
export function gatewayUrlOf (address: string): string | undefined {
  const parsed = parse(address)
  if (parsed == null || !HttpGateway.exactMatch(parsed)) return undefined
  try {
    const url = new URL(multiaddrToUri(parsed))
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined
  } catch {
    return undefined
  }
}

/**
 * A WebSocket multiaddr a browser can dial, ending in `/p2p/<peerId>`:
 * `…/tcp/<port>/ws`, `…/wss` or `…/tls[/sni/<name>]/ws`. Undefined for other
 * transports, relayed addresses and addresses of another peer.
 */
export function websocketAddrOf (address: string, peerId: string): string | undefined {
  const parsed = parse(address)
  if (parsed == null || !(WebSockets.exactMatch(parsed) || WebSocketsSecure.exactMatch(parsed))) return undefined
  const ids = parsed.getComponents().filter(part => part.name === 'p2p')
  if (ids.some(part => part.value !== peerId)) return undefined
  return ids.length > 0 ? parsed.toString() : parsed.encapsulate(`/p2p/${peerId}`).toString()
}

function httpAllowed (url: string, policy: ProviderPolicy): boolean {
  const parsed = new URL(url)
  return (policy.allowLocal || !isLocalHost(parsed.hostname)) && (policy.allowInsecure || parsed.protocol === 'https:')
}

function wsAllowed (address: string, policy: ProviderPolicy): boolean {
  return (policy.allowLocal || !isLocalHost(multiaddrHost(address))) && (policy.allowInsecure || !isInsecureMultiaddr(address))
}

function parse (address: string): Multiaddr | undefined {
  try {
    return multiaddr(address)
  } catch {
    return undefined
  }
}

function isPeerId (id: string): boolean {
  try {
    peerIdFromString(id)
    return true
  } catch {
    return false
  }
}
