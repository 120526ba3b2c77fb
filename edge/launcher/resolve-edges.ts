import { parseEdge } from '../../src/lib/config.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Turns `--edge` values into full endpoints: an http(s) URL is asked for its
 * `/info` (so the browser also gets its WebSocket multiaddrs); an edge that
 * does not answer is kept with its URL alone, a multiaddr as it is.
 */
export async function resolveEdges (values: string[], options: AbortOptions = {}): Promise<EdgeEndpoint[]> {
  return Promise.all(values.map(async value => {
    const edge = parseEdge(value)
    if (edge.http == null) {
      return edge
    }
    try {
      const response = await fetch(`${edge.http}/info`, { signal: AbortSignal.any([AbortSignal.timeout(5_000), ...(options.signal == null ? [] : [options.signal])]) })
      if (response.ok) {
        const info = parseEdge(await response.json())
        return { ...info, http: edge.http }
      }
    } catch {}
    return edge
  }))
}

/** Loopback and private edges need the browser's permission to be dialled. */
export function isLocalEdge (edge: EdgeEndpoint): boolean {
  const hosts = [
    ...(edge.http == null ? [] : [new URL(edge.http).hostname]),
    ...edge.multiaddrs.map(ma => /^\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)/.exec(ma)?.[1] ?? '')
  ]
  return hosts.some(host => /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|localhost$|\[?::1\]?$)/.test(host))
}

export function isInsecureEdge (edge: EdgeEndpoint): boolean {
  return edge.http?.startsWith('http://') === true || edge.multiaddrs.some(ma => ma.includes('/ws') && !ma.includes('/wss') && !ma.includes('/tls/'))
}
