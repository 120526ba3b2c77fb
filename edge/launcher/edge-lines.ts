import type { EdgeEndpoint } from '../../src/lib/types.ts'

/**
 * The lines `npm start` prints for the edges the gateway uses: each edge's
 * HTTP URL and its libp2p multiaddrs, so a user can point another gateway,
 * an SDK client or a Kubo node at the edge this run started (its ports change
 * every run).
 */
export function edgeLines (edges: readonly EdgeEndpoint[]): string[] {
  return edges.map(edge => {
    const addresses = [edge.http, ...edge.multiaddrs].filter((address): address is string => address != null)
    return `  edge: ${addresses.length > 0 ? addresses.join('  ') : '(no address)'}`
  })
}
