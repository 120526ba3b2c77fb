import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import type { EdgeStores } from './types.ts'

/**
 * The edge's blockstore and datastore. In memory by default; under `repo` they
 * live on disk (`<repo>/blocks`, `<repo>/datastore`), and since the datastore
 * holds libp2p's keychain, a restart keeps the same peer id as well as the blocks.
 */
export async function createStores (repo?: string): Promise<EdgeStores> {
  if (repo == null) {
    return {
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
      close: async () => {}
    }
  }

  const blockstore = new FsBlockstore(join(repo, 'blocks'))
  const datastore = new FsDatastore(join(repo, 'datastore'))
  await blockstore.open()
  await datastore.open()

  return {
    blockstore,
    datastore,
    close: async () => {
      await blockstore.close()
      await datastore.close()
    }
  }
}
