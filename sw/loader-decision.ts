import { PeerProviders } from '../src/node/peer-first.ts'
import type { EdgeEndpoint } from '../src/lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Longest the edges get to say whether they hold a root before the SW
 * decides without them: an edge that cannot be reached counts as one that
 * does not hold it. Short, since a navigation waits for the decision.
 *
 * @default 1000
 */
export const EDGE_PROBE_MS = 1_000

export interface LoaderDecisionComponents {
  /** A tab of this origin has registered its peer with the SW: the SW asks other browsers through it */
  peerTabOpen(): boolean
  /** The local store holds the block */
  stored(root: CID, options: AbortOptions): Promise<boolean>
  /** Some configured edge holds the block (a `false` for "no", "unreachable" and "too slow" alike) */
  edgesHold(root: CID, options: AbortOptions): Promise<boolean>
  /** The edges' routing lists a browser, reachable through an edge's relay, for the root */
  browsersListed(root: CID, options: AbortOptions): Promise<boolean>
}

/**
 * Whether a navigation to `root` is answered with the loader page (a page
 * that runs a visitor's tab peer and fetches the content from other
 * browsers), rather than as content: only when the SW itself cannot get it
 * (no tab of this origin runs a peer, the store lacks it, no edge holds it)
 * and the edges' routing says browsers can. Anything else is answered as
 * before, so a link nobody holds still ends in a prompt 504.
 */
export async function loaderNeeded (root: CID, components: LoaderDecisionComponents, options: AbortOptions = {}): Promise<boolean> {
  options.signal?.throwIfAborted()
  if (components.peerTabOpen() || await components.stored(root, options)) {
    return false
  }
  // both lookups at once, and the first that rules the loader out decides: an edge that holds the root (the
  // common case) costs a navigation one round trip, however long a routing lookup takes
  const edgesLack = components.edgesHold(root, options).then(held => !held, () => true)
  const listed = components.browsersListed(root, options).catch(() => false)
  // neither promise rejects (an edge that fails lacks the root; a lookup that fails lists no browser)
  return new Promise(resolve => {
    void edgesLack.then(lack => { if (!lack) resolve(false) })
    void listed.then(browsers => { if (!browsers) resolve(false) })
    void Promise.all([edgesLack, listed]).then(([lack, browsers]) => { resolve(lack && browsers) })
  })
}

/**
 * True as soon as one edge's trustless gateway answers that it has the
 * root's block (`HEAD /ipfs/<root>?format=raw`, no bytes moved); false when
 * every edge answers otherwise, cannot be reached, or is late. Edges reached
 * only over libp2p cannot be asked from a SW: they count as not holding it.
 */
export async function edgesHoldRoot (edges: EdgeEndpoint[], root: CID, options: AbortOptions & { timeoutMs?: number } = {}): Promise<boolean> {
  options.signal?.throwIfAborted()
  const urls = edges.flatMap(edge => edge.http == null ? [] : [edge.http])
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? EDGE_PROBE_MS), ...(options.signal == null ? [] : [options.signal])])
  return Promise.any(urls.map(async url => {
    const response = await fetch(`${url}/ipfs/${root.toString()}?format=raw`, { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.raw' }, signal, cache: 'no-store' })
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`)
    }
    return true
  })).catch(() => false)
}

/**
 * The browsers-listed lookup for one edge list: answers are kept a few
 * seconds per root (PeerProviders), so a reload asks the edges once.
 */
export function browsersListedAt (edges: EdgeEndpoint[]): LoaderDecisionComponents['browsersListed'] {
  const providers = new PeerProviders({ edges })
  return async (root, options) => providers.provided(root, options)
}
