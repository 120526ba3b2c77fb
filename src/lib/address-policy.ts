import type { EdgeEndpoint } from './types.ts'

/**
 * Which edge addresses need the user's explicit permission: loopback and
 * private hosts (`allowLocal`) and transports without TLS (`allowInsecure`).
 * Browsers refuse both by default; a local edge is a deliberate choice.
 */

const LOCAL_HOST = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|0\.0\.0\.0$|localhost$|.*\.localhost$|\[?::1\]?$|\[?f[cd][0-9a-f]{2}:|\[?fe80:)/i

export function isLocalHost (host: string): boolean {
  return LOCAL_HOST.test(host)
}

/** The host of an `/ip4|ip6|dns*` multiaddr string, or '' */
export function multiaddrHost (multiaddr: string): string {
  return /^\/(?:ip4|ip6|dns4|dns6|dns|dnsaddr)\/([^/]+)/.exec(multiaddr)?.[1] ?? ''
}

/** A WebSocket multiaddr without TLS (`/ws` rather than `/wss` or `/tls/…/ws`) */
export function isInsecureMultiaddr (multiaddr: string): boolean {
  return /\/ws(\/|$)/.test(multiaddr) && !/\/(wss|tls)(\/|$)/.test(multiaddr)
}

/**
 * libp2p's `denyDialMultiaddr` for a configuration: loopback and private
 * hosts only with `allowLocal`, `ws://` (a relay's address included) only
 * with `allowInsecure`, each on its own.
 */
export function denyDialByPolicy (policy: { allowLocal: boolean, allowInsecure: boolean }): (multiaddr: { toString(): string }) => boolean {
  return (ma) => {
    const text = ma.toString()
    return (!policy.allowLocal && isLocalHost(multiaddrHost(text))) || (!policy.allowInsecure && isInsecureMultiaddr(text))
  }
}

export function isLocalEdge (edge: EdgeEndpoint): boolean {
  return (edge.http != null && isLocalHost(new URL(edge.http).hostname)) || edge.multiaddrs.some(ma => isLocalHost(multiaddrHost(ma)))
}

export function isInsecureEdge (edge: EdgeEndpoint): boolean {
  return edge.http?.startsWith('http://') === true || edge.multiaddrs.some(isInsecureMultiaddr)
}
