import { isIP } from 'node:net'
import { InvalidHostError } from './errors.ts'

/**
 * The host to put in URLs and addresses we hand out: a wildcard listen address
 * is not dialable, so loopback stands in for it.
 */
function advertisedHost (host: string): string {
  if (host === '0.0.0.0') {
    return '127.0.0.1'
  }
  if (host === '::' || host === '[::]') {
    return '::1'
  }
  return host.replace(/^\[(.*)\]$/, '$1')
}

/**
 * The libp2p WebSocket listen address for `host`, which must be an IP literal
 * (or `localhost`, taken as 127.0.0.1): libp2p listens on addresses, not names.
 */
export function wsListenMultiaddr (host: string, port: number): string {
  const h = host === 'localhost' ? '127.0.0.1' : host.replace(/^\[(.*)\]$/, '$1')
  const version = isIP(h)
  if (version === 0) {
    throw new InvalidHostError(`host must be an IPv4 or IPv6 address, not "${host}"`)
  }
  return `/ip${version}/${h}/tcp/${port}/ws`
}

/** `http://127.0.0.1:8080`, `http://[::1]:8080` or `http://edge.example:8080` */
export function httpUrl (host: string, port: number): string {
  const h = advertisedHost(host)
  return `http://${isIP(h) === 6 ? `[${h}]` : h}:${port}`
}

/** The same endpoint as a multiaddr, for delegated routing records */
export function httpMultiaddr (host: string, port: number): string {
  const h = advertisedHost(host)
  const proto = isIP(h) === 4 ? 'ip4' : isIP(h) === 6 ? 'ip6' : 'dns'
  return `/${proto}/${h}/tcp/${port}/http`
}

/** Drops a trailing `/p2p/<peer id>`, as routing records carry the id separately */
export function withoutPeerId (multiaddr: string): string {
  return multiaddr.replace(/\/p2p\/[^/]+$/, '')
}
