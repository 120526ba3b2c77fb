import type { ChosenBlocks } from './chosen-blocks.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** Answers, for every block another peer wants, whether this browser gives it. */
export interface ServeGate {
  serves(cid: CID): boolean
}

export interface SharePolicyInit {
  /** @default true */
  serving?: boolean
  /** @default false */
  shareViewed?: boolean
  chosen: ChosenBlocks
  /** The whole local store, listed only when the user shares what they viewed */
  store: Pick<Blockstore, 'getAll'>
}

/**
 * What this browser shares with other peers. Anyone can ask an edge which
 * peers provide a CID, and any connected peer can ask this one for a block,
 * so what it lists and what it answers would both tell what its user viewed:
 * by default it shares only what the user published or pinned. Everything
 * the store holds (what they viewed, in this session or an earlier one) only
 * when they opted in; nothing with serving off. `blocks()` (what the announcer
 * lists) and `serves()` (what bitswap answers) are the same set, so asking
 * tells nobody more than the routing does.
 */
export class SharePolicy implements ServeGate {
  serving: boolean
  shareViewed: boolean
  private readonly chosen: ChosenBlocks
  private readonly store: Pick<Blockstore, 'getAll'>

  constructor (init: SharePolicyInit) {
    this.serving = init.serving ?? true
    this.shareViewed = init.shareViewed ?? false
    this.chosen = init.chosen
    this.store = init.store
  }

  serves (cid: CID): boolean {
    return this.serving && (this.shareViewed || this.chosen.has(cid))
  }

  /** Shares blocks the user just published, from now on. */
  choose (cids: CID[]): void {
    this.chosen.add(cids)
  }

  /** Every block shared now: what the announcer lists. */
  async * blocks (options: AbortOptions = {}): AsyncGenerator<CID> {
    options.signal?.throwIfAborted()
    if (!this.serving) {
      return
    }
    await this.chosen.refresh(options)
    if (!this.shareViewed) {
      yield * this.chosen.list()
      return
    }
    // the store keys blocks by multihash, so they come back as raw CIDs
    for await (const { cid } of this.store.getAll(options)) {
      yield cid
    }
  }
}
