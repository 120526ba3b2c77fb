import { parseEdge } from '../../src/lib/config.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'

/** An external edge as the launcher knows it: its endpoint, and its DNS-over-HTTPS URL when it has one */
export interface ResolvedEdge extends EdgeEndpoint {
  /** The edge's `/info` `dns` (its DNSLink DNS-over-HTTPS endpoint), if it answered with one */
  dns?: string
}

/**
 * Turns `--edge` values into full endpoints: an http(s) URL is asked for its
 * `/info` (so the browser also gets its WebSocket multiaddrs, and the gateway
 * its DNS-over-HTTPS endpoint); an edge that does not answer is kept with its
 * URL alone, a multiaddr as it is.
 */
export async function resolveEdges (values: string[], options: AbortOptions = {}): Promise<ResolvedEdge[]> {
  return Promise.all(values.map(async value => {
    const edge = parseEdge(value)
    if (edge.http == null) {
      return edge
    }
    try {
      const response = await fetch(`${edge.http}/info`, { signal: AbortSignal.any([AbortSignal.timeout(5_000), ...(options.signal == null ? [] : [options.signal])]) })
      if (response.ok) {
        const raw = await response.json()
        const info = parseEdge(raw)
        const dns = dnsOf(raw, edge.http)
        return { ...info, http: edge.http, ...(dns == null ? {} : { dns }) }
      }
    } catch {}
    return edge
  }))
}

/**
 * The `/info` `dns` URL, moved onto the URL the edge was given as: an edge
 * advertises its own view of its address (127.0.0.1 when it listens on
 * 0.0.0.0), which is why `http` is taken from `--edge` too.
 */
function dnsOf (info: { http?: unknown, dns?: unknown }, givenHttp: string): string | undefined {
  if (typeof info.dns !== 'string' || !/^https?:\/\//.test(info.dns)) {
    return undefined
  }
  return typeof info.http === 'string' && info.dns.startsWith(info.http)
    ? `${givenHttp}${info.dns.slice(info.http.length)}`
    : info.dns
}
