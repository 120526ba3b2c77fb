import { reachableBrowserAddrs } from '../lib/reachable-browser.ts'
import { readRoutingAnswer } from '../lib/routing-answer.ts'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface PeerProvidersInit {
  /** Edges whose delegated routing lists the browsers that announced a block */
  edges: EdgeEndpoint[]
  /**
   * How long an answer is kept
   *
   * @default 10000
   */
  ttlMs?: number
  /**
   * Longest a lookup may take; a slower edge counts as "no browser has it".
   * An edge whose uplink is busy answers late, and that is when peers matter
   *
   * @default 1000
   */
  timeoutMs?: number
}

/**
 * Asks the edges' delegated routing whether browsers (anyone but the edges
 * themselves) announce a root. Answers are kept a few seconds per root, so a
 * page's many requests for one site cost one lookup.
 */
export class PeerProviders {
  private readonly urls: string[]
  private readonly edgeIds: Set<string>
  private readonly ttlMs: number
  private readonly timeoutMs: number
  private readonly answers = new Map<string, { at: number, provided: Promise<boolean> }>()

  constructor (init: PeerProvidersInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.edgeIds = new Set(init.edges.flatMap(edge => edge.peerId == null ? [] : [edge.peerId]))
    this.ttlMs = init.ttlMs ?? 10_000
    this.timeoutMs = init.timeoutMs ?? 1000
  }

  async provided (root: CID, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const key = root.toString()
    const known = this.answers.get(key)
    if (known != null && Date.now() - known.at < this.ttlMs) {
      return known.provided
    }
    const provided = this.lookup(root, options)
    this.answers.set(key, { at: Date.now(), provided })
    if (this.answers.size > 256) {
      this.answers.delete(this.answers.keys().next().value as string)
    }
    return provided
  }

  /**
   * True as soon as one edge lists a browser reachable through a configured
   * edge's relay (see reachable-browser.ts); false when none does, none
   * answers in time, or an answer is too large to be one.
   */
  private async lookup (root: CID, options: AbortOptions): Promise<boolean> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), ...(options.signal == null ? [] : [options.signal])])
    return Promise.any(this.urls.map(async url => {
      const response = await fetch(`${url}/routing/v1/providers/${root.toString()}`, { headers: { Accept: 'application/json' }, signal, cache: 'no-store' })
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`HTTP ${response.status}`)
      }
      const records = await readRoutingAnswer(response, { signal })
      if (!records.some(record => reachableBrowserAddrs(record, this.edgeIds).length > 0)) {
        throw new Error('no browser listed')
      }
      return true
    })).catch(() => false)
  }
}
