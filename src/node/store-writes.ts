import { BLOCKS, BLOCK_META, SETTINGS } from './local-store-schema.ts'
import { recordTouches } from './store-eviction.ts'
import type { LocalStoreDb } from './local-store-schema.ts'
import type { Touches } from './store-eviction.ts'

export interface BlockWrite { key: string, bytes: Uint8Array }

export interface WrittenTotals {
  /** Bytes of every block in the store once the batch is in */
  usedBytes: number
  /** The budget set for the origin, or undefined for the default */
  budgetBytes?: number
}

/**
 * Writes blocks with their metadata and moves the running total, in one
 * transaction: all of it is written or none. Reads not yet recorded go in the
 * same transaction. Without blocks, only access times are written, in a
 * transaction that leaves the block bytes out so reads need not wait for it.
 */
export async function writeBlocks (db: LocalStoreDb, batch: BlockWrite[], touches: Touches): Promise<WrittenTotals | undefined> {
  if (batch.length === 0) {
    const tx = db.transaction(BLOCK_META, 'readwrite', { durability: 'relaxed' })
    await recordTouches(tx.store, touches)
    await tx.done
    return undefined
  }
  const tx = db.transaction([BLOCKS, BLOCK_META, SETTINGS], 'readwrite', { durability: 'relaxed' })
  const meta = tx.objectStore(BLOCK_META)
  const settings = tx.objectStore(SETTINGS)
  // the same block twice in a batch is stored, and counted, once
  const writes = [...new Map(batch.map(write => [write.key, write])).values()]
  const [before, used, budgetBytes] = await Promise.all([
    Promise.all(writes.map(async write => meta.get(write.key))),
    settings.get('usedBytes'),
    settings.get('cacheBudgetBytes'),
    recordTouches(meta, touches)
  ])
  const accessed = Date.now()
  let usedBytes = used ?? 0
  writes.forEach((write, i) => {
    usedBytes += write.bytes.byteLength - (before[i]?.size ?? 0)
    void tx.objectStore(BLOCKS).put(write.bytes, write.key).catch(() => {})
    void meta.put({ size: write.bytes.byteLength, accessed }, write.key).catch(() => {})
  })
  void settings.put(usedBytes, 'usedBytes').catch(() => {})
  await tx.done
  return { usedBytes, budgetBytes }
}

/** Deletes a block with its metadata, and takes its size off the running total. */
export async function deleteBlock (db: LocalStoreDb, key: string): Promise<void> {
  const tx = db.transaction([BLOCKS, BLOCK_META, SETTINGS], 'readwrite')
  const [entry, used] = await Promise.all([tx.objectStore(BLOCK_META).get(key), tx.objectStore(SETTINGS).get('usedBytes')])
  void tx.objectStore(BLOCKS).delete(key).catch(() => {})
  if (entry != null) {
    void tx.objectStore(BLOCK_META).delete(key).catch(() => {})
    void tx.objectStore(SETTINGS).put((used ?? 0) - entry.size, 'usedBytes').catch(() => {})
  }
  await tx.done
}
