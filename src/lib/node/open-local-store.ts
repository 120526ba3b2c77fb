import { IDBBlockstore } from 'blockstore-idb'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The IndexedDB database every Edgeway part on an origin shares: the service
 * worker, the SDK and the in-tab peer, so a block verified by one is there
 * for all.
 */
export const LOCAL_STORE_NAME = 'edgeway-blocks'

export async function openLocalStore (options: AbortOptions = {}): Promise<IDBBlockstore> {
  options.signal?.throwIfAborted()
  const store = new IDBBlockstore(LOCAL_STORE_NAME)
  await store.open()
  return store
}
