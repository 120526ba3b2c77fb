import { IdbBlockstore } from './idb-blockstore.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * The IndexedDB database every Edgeway part on an origin shares: the service
 * worker, the SDK and the in-tab peer, so a block verified by one is there
 * for all.
 */
export const LOCAL_STORE_NAME = 'edgeway-blocks'

export async function openLocalStore (options: AbortOptions = {}): Promise<IdbBlockstore> {
  options.signal?.throwIfAborted()
  const store = new IdbBlockstore(LOCAL_STORE_NAME)
  await store.open()
  return store
}
