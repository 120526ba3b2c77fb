import { BLOCKS, BLOCK_META, PINS } from './local-store-schema.ts'
import type { LocalStoreDb, PinRecord } from './local-store-schema.ts'
import type { PinInfo } from '../lib/types.ts'

/** Starts a pin, or keeps the one there is: its blocks stay protected while it is pinned again. */
export async function startPin (db: LocalStoreDb, cid: string): Promise<void> {
  const tx = db.transaction(PINS, 'readwrite')
  if (await tx.store.get(cid) == null) {
    void tx.store.put({ cid, keys: [], pinnedAt: Date.now(), complete: false, bytes: 0 }, cid).catch(() => {})
  }
  await tx.done
}

/**
 * Adds block keys to a pin; false when the pin is gone (unpinned while
 * pinning), and then nothing is added.
 */
export async function protectKeys (db: LocalStoreDb, cid: string, keys: string[]): Promise<boolean> {
  const tx = db.transaction(PINS, 'readwrite')
  const pin = await tx.store.get(cid)
  if (pin != null) {
    const known = new Set(pin.keys)
    const added = keys.filter(key => !known.has(key))
    if (added.length > 0) {
      void tx.store.put({ ...pin, keys: [...pin.keys, ...added] }, cid).catch(() => {})
    }
  }
  await tx.done
  return pin != null
}

/** Marks a pin complete when all its blocks are stored, with their bytes; undefined when the pin is gone. */
export async function finishPin (db: LocalStoreDb, cid: string): Promise<PinInfo | undefined> {
  const tx = db.transaction([PINS, BLOCK_META], 'readwrite')
  const pin = await tx.objectStore(PINS).get(cid)
  if (pin == null) {
    await tx.done
    return undefined
  }
  const meta = tx.objectStore(BLOCK_META)
  const sizes = await Promise.all(pin.keys.map(async key => (await meta.get(key))?.size))
  const done: PinRecord = {
    ...pin,
    complete: sizes.every(size => size != null),
    bytes: sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0)
  }
  void tx.objectStore(PINS).put(done, cid).catch(() => {})
  await tx.done
  return toPinInfo(done)
}

/** Removes a pin; its blocks stay until eviction takes them. False when there was none. */
export async function removePin (db: LocalStoreDb, cid: string): Promise<boolean> {
  const tx = db.transaction(PINS, 'readwrite')
  const existed = await tx.store.getKey(cid) != null
  if (existed) {
    void tx.store.delete(cid).catch(() => {})
  }
  await tx.done
  return existed
}

export async function listPins (db: LocalStoreDb): Promise<PinInfo[]> {
  return (await db.getAll(PINS)).map(toPinInfo).sort((a, b) => a.pinnedAt - b.pinnedAt)
}

/** The keys whose blocks are not in the store. */
export async function missingKeys (db: LocalStoreDb, keys: string[]): Promise<string[]> {
  const tx = db.transaction(BLOCKS, 'readonly')
  const found = await Promise.all(keys.map(async key => tx.store.getKey(key)))
  await tx.done
  return keys.filter((_, i) => found[i] == null)
}

function toPinInfo (pin: PinRecord): PinInfo {
  return { cid: pin.cid, blocks: pin.keys.length, bytes: pin.bytes, pinnedAt: pin.pinnedAt, complete: pin.complete }
}
