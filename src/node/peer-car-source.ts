import { CustomProgressEvent } from 'progress-events'
import { PeerCarLieError } from '../lib/peer-car.ts'
import { hashMatches } from '../lib/hash-matches.ts'
import type { CarSource, PeerCarBlocks } from './car-source.ts'
import type { CarBlock, CarFetchOptions, CarQuery } from './edge-car-fetcher.ts'
import type { BlockRejectedDetail, EdgewayProgressEventName } from '../lib/types.ts'

export interface PeerCarSourceInit {
  /** CARs from other browsers, as a tab's peer streams them (the SW's TabBridge) */
  blocks: PeerCarBlocks
  /** Whether a tab is there to ask, and reaches the network now */
  available(): boolean
}

/**
 * Other browsers as a CAR source: a tab's peer asks one that announces the
 * root for the query's CAR over `/edgeway/car/1.0.0` and streams it here.
 * The tab hashed each block already, but the SW trusts the tab no more than
 * an edge: every block is hashed again here before it is yielded, and one
 * that does not match is reported (`edgeway:block:rejected`) and ends the
 * stream with PeerCarLieError. A peer that refuses, stops or goes away ends
 * it with the bridge's typed error (src/lib/peer-car.ts); what was yielded
 * before is verified and stays usable, and the caller asks elsewhere for
 * the rest.
 */
export class PeerCarSource implements CarSource {
  readonly kind = 'peer'
  private readonly init: PeerCarSourceInit

  constructor (init: PeerCarSourceInit) {
    this.init = init
  }

  get available (): boolean {
    return this.init.available()
  }

  async * fetch (query: CarQuery, options: CarFetchOptions): AsyncGenerator<CarBlock> {
    options.signal?.throwIfAborted()
    // other browsers are found by the content they announce: the response's root, else the query's own CID
    const root = options.root ?? query.cid
    for await (const { cid, bytes, from } of this.init.blocks(query, { root, signal: options.signal })) {
      if (!await hashMatches(cid, bytes)) {
        options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
          cid: cid.toString(), from, reason: 'a block from another browser does not match its CID'
        }))
        throw new PeerCarLieError(`${from} sent a block that does not match its CID ${cid.toString()}`, from)
      }
      yield { cid, bytes, from, source: 'peer' }
    }
  }
}
