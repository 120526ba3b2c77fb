import { edgeKey } from './edge-health.ts'
import type { EdgeHealthView } from './edge-health.ts'
import type { EdgeEndpoint } from './types.ts'

/** The SW's report of the edges it uses, for the gateway page's `edge-list`. */
export const EDGES_STATUS_PATH = '/_edgeway/edges'

/** What a page posts to its SW after it changed the origin's edge list. */
export const EDGES_CHANGED_MESSAGE = 'edgeway:edges-changed'

/** Where the edges in use come from: the list stored on the gateway page, or the server's `/edgeway.json`. */
export type EdgeListSource = 'user' | 'server'

export interface EdgeStatus extends EdgeHealthView {
  edge: EdgeEndpoint
}

export interface EdgesReport {
  source: EdgeListSource
  /** In the order they are asked */
  edges: EdgeStatus[]
}

/** The edges with their health, best first. */
export function edgesReport (edges: readonly EdgeEndpoint[], source: EdgeListSource, health: { describe(keys: readonly string[]): EdgeHealthView[] }): EdgesReport {
  const views = health.describe(edges.map(edgeKey))
  return { source, edges: views.map(view => ({ ...view, edge: edges[view.configIndex] })) }
}
