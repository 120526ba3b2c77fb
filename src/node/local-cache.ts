import type { CacheUsage, PinInfo } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * The local store's budget and pins. Everything here lives in the store
 * itself (IndexedDB), so the service worker, the SDK and the page of one
 * origin see the same budget and the same pins, and each evicts by them.
 */
export interface LocalCache {
  usage(options?: AbortOptions): Promise<CacheUsage>
  /** Sets the origin's budget, or goes back to the default with `undefined`, and evicts down to it */
  setBudget(bytes: number | undefined, options?: AbortOptions): Promise<void>
  listPins(options?: AbortOptions): Promise<PinInfo[]>
  /** Starts pinning `root` (or keeps its pin): from now on its protected blocks are never evicted */
  startPin(root: CID, options?: AbortOptions): Promise<void>
  /** Protects blocks of a pin before they are fetched; false when the pin was removed meanwhile */
  protect(root: CID, blocks: CID[], options?: AbortOptions): Promise<boolean>
  /** The blocks not in the store (written blocks only: call `flush()` first) */
  missing(blocks: CID[], options?: AbortOptions): Promise<CID[]>
  /** Records that pinning ended, with whether every block is there; undefined when the pin is gone */
  finishPin(root: CID, options?: AbortOptions): Promise<PinInfo | undefined>
  /** Releases a pin (its blocks become evictable) and evicts down to the budget; false when there was none */
  unpin(root: CID, options?: AbortOptions): Promise<boolean>
  /** Resolves once writes and reads so far are recorded and any eviction they started is done */
  flush(): Promise<void>
  /** Records the bytes whole verified files take against the budget, and evicts blocks to leave them room */
  setKeptFileBytes?(bytes: number, options?: AbortOptions): Promise<void>
}

export function isLocalCache (store: unknown): store is LocalCache {
  return store != null && typeof (store as Partial<LocalCache>).usage === 'function' && typeof (store as Partial<LocalCache>).startPin === 'function'
}
