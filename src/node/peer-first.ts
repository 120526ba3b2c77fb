import { reachableBrowserAddrs } from '../lib/reachable-browser.ts'
import { readRoutingAnswer } from '../lib/routing-answer.ts'
import { REQUEST_STATE, RequestState, requestStateOf } from '../lib/request-state.ts'
import type { WithRequestState } from '../lib/request-state.ts'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { AbortOptions, Startable } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/**
 * A request whose content other browsers announce (`RequestState.peersFirst`)
 * asks them first for its blocks (through a tab's peer, by its root), and the
 * edges only when the peers are late. That is how a browser takes load off
 * the edges: the first visitor fetches from an edge, later ones from the
 * visitors before them.
 */
export function peerFirstRoot (options: unknown): string | undefined {
  const state = requestStateOf(options)
  return state?.peersFirst === true ? state.root.toString() : undefined
}

/**
 * How long peers may deliver nothing of a peer-first request before the
 * edges are asked too. Long enough for a WebRTC dial through a relay and a
 * first block; short enough that a peer that went away costs a little delay,
 * not a failure.
 */
export const PEER_FIRST_HEDGE_MS = 2_000

/**
 * How long the browsers a root's listing names get to deliver its first
 * block before the request (and the root, for the rest of its lookup's TTL)
 * goes to the edges and their CAR streams instead. A listing is only an
 * edge's word, and a forged or silent "browser" must cost a read no more
 * than this; a real one dials through the relay in ~0.4 s and sends a block
 * in ~0.2 s here (ENVIRONMENT.md), so it has room to spare.
 */
export const PEER_FIRST_BLOCK_BUDGET_MS = 1_000

/**
 * When peers last delivered a block of each peer-first root: while they keep
 * delivering, the edges stay out, however long a window of blocks takes.
 */
export class PeerProgress {
  private readonly last = new Map<string, number>()

  delivered (root: string): void {
    this.last.delete(root)
    this.last.set(root, Date.now())
    if (this.last.size > 256) {
      this.last.delete(this.last.keys().next().value as string)
    }
  }

  lastDelivery (root: string): number {
    return this.last.get(root) ?? 0
  }
}

/**
 * An edge source that waits for peers: for a peer-first request it asks its
 * edges only once the peers have delivered nothing of that root for
 * `hedgeMs` (if they deliver this block first, the race aborts the wait and
 * the edges are never asked); for any other request it is the source itself.
 */
export function deferredToPeers (broker: BlockBroker, progress: PeerProgress, hedgeMs: number = PEER_FIRST_HEDGE_MS): BlockBroker {
  return broker.retrieve == null ? broker : new DeferredToPeers(broker, progress, hedgeMs)
}

/** Everything else (start, stop, announce, sessions) is the wrapped source's, called on it. */
class DeferredToPeers implements BlockBroker {
  readonly name: string
  private readonly broker: BlockBroker & Partial<Startable>
  private readonly progress: PeerProgress
  private readonly hedgeMs: number

  constructor (broker: BlockBroker, progress: PeerProgress, hedgeMs: number) {
    this.broker = broker
    this.name = broker.name
    this.progress = progress
    this.hedgeMs = hedgeMs
  }

  async retrieve (cid: CID, options: BlockRetrievalOptions = {}): Promise<Uint8Array> {
    const root = peerFirstRoot(options)
    if (root != null) {
      const asked = Date.now()
      for (let wait = this.hedgeMs; wait > 0; wait = Math.max(asked, this.progress.lastDelivery(root)) + this.hedgeMs - Date.now()) {
        await sleep(wait, options.signal)
      }
    }
    return this.broker.retrieve!(cid, options)
  }

  async announce (cid: CID, options?: AbortOptions): Promise<void> {
    await this.broker.announce?.(cid, options)
  }

  async start (): Promise<void> {
    await this.broker.start?.()
  }

  async stop (): Promise<void> {
    await this.broker.stop?.()
  }
}

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
   * Peers did not deliver `root`'s first block in time: for the rest of its
   * lookup's TTL the root is not peers-first, so a page's later requests do
   * not wait for them again.
   */
  failed (root: CID): void {
    const known = this.answers.get(root.toString())
    this.answers.set(root.toString(), { at: known?.at ?? Date.now(), provided: Promise.resolve(false) })
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

/**
 * The first block of `root` from the peers (the tab's bridge), within
 * `budgetMs`: the proof that the listed browsers deliver, before a request
 * commits to them. Undefined when they did not (failed, or too late); the
 * edges are not asked here.
 */
export async function firstBlockFromPeers (peers: BlockBroker[], root: CID, options: AbortOptions & ProgressOptions & { budgetMs?: number } = {}): Promise<Uint8Array | undefined> {
  options.signal?.throwIfAborted()
  // the first answer ends the others' asking
  const answered = new AbortController()
  const signal = AbortSignal.any([answered.signal, AbortSignal.timeout(options.budgetMs ?? PEER_FIRST_BLOCK_BUDGET_MS), ...(options.signal == null ? [] : [options.signal])])
  const asking: BlockRetrievalOptions & WithRequestState = { signal, onProgress: options.onProgress, [REQUEST_STATE]: new RequestState({ root, peersFirst: true }) }
  try {
    return await Promise.any(peers.flatMap(peer => peer.retrieve == null ? [] : [peer.retrieve(root, asking)]))
  } catch {
    options.signal?.throwIfAborted()
    return undefined
  } finally {
    answered.abort()
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
