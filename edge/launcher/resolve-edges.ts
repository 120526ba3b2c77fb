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
