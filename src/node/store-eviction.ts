import { EvictionPlan, bytesToFree } from '../lib/cache-policy.ts'
import { BLOCKS, BLOCK_META, PINS, SETTINGS } from './local-store-schema.ts'
import type { StoreTotals } from '../lib/cache-policy.ts'
import type { LocalStoreDb, LocalStoreSchema } from './local-store-schema.ts'
import type { IDBPObjectStore, IDBPTransaction } from 'idb'

/** The most blocks one eviction transaction deletes: others' reads and writes wait behind it. */
const EVICT_BATCH_BLOCKS = 256

/** Reads of blocks not yet recorded in BLOCK_META: key → when. */
export type Touches = ReadonlyArray<readonly [key: string, at: number]>

export interface EvictionPass {
  /** Blocks deleted, each with its metadata */
  evicted: number
  freedBytes: number
  /** Bytes pinned blocks hold, as this pass found them */
  pinnedBytes: number
  /** Bytes of kept whole files, as this pass found them */
  keptBytes: number
  /** The pass stopped at its batch size with more to free */
  moreToFree: boolean
}

export interface ReadTotals extends StoreTotals {
  budgetSet: boolean
  pinned: Set<string>
}

type MetaStore = IDBPObjectStore<LocalStoreSchema, any, typeof BLOCK_META, 'readwrite'>
type TotalsTransaction = IDBPTransaction<LocalStoreSchema, any, IDBTransactionMode>

/**
 * One eviction pass in one transaction: least recently used blocks that no
 * pin holds are deleted with their metadata, and the running total goes down
 * by what they held, all or nothing. Reads this store has seen but not yet
 * recorded are recorded first, so a block just read is not taken for old.
 */
export async function evictOnce (db: LocalStoreDb, defaultBudget: number, touches: Touches = []): Promise<EvictionPass> {
  const tx = db.transaction([BLOCKS, BLOCK_META, PINS, SETTINGS], 'readwrite', { durability: 'relaxed' })
  const meta = tx.objectStore(BLOCK_META)
  await recordTouches(meta, touches)
  const totals = await readTotals(tx, defaultBudget)
  const toFree = bytesToFree(totals)
  const plan = new EvictionPlan(toFree, EVICT_BATCH_BLOCKS)
  let cursor = toFree > 0 ? await meta.index('accessed').openCursor() : null
  while (cursor != null && !plan.done) {
    const key = cursor.primaryKey
    if (plan.offer(key, cursor.value.size, totals.pinned.has(key))) {
      void tx.objectStore(BLOCKS).delete(key).catch(() => {})
      void cursor.delete().catch(() => {})
    }
    cursor = await cursor.continue()
  }
  if (plan.freed > 0) {
    void tx.objectStore(SETTINGS).put(totals.usedBytes - plan.freed, 'usedBytes').catch(() => {})
  }
  await tx.done
  return {
    evicted: plan.keys.length,
    freedBytes: plan.freed,
    pinnedBytes: totals.pinnedBytes,
    keptBytes: totals.keptBytes ?? 0,
    moreToFree: plan.freed < toFree && plan.done
  }
}

/** The store's totals and the keys pins hold, read inside the caller's transaction (over BLOCK_META, PINS and SETTINGS). */
export async function readTotals (tx: TotalsTransaction, defaultBudget: number): Promise<ReadTotals> {
  const settings = tx.objectStore(SETTINGS)
  const [used, budget, kept, pins] = await Promise.all([settings.get('usedBytes'), settings.get('cacheBudgetBytes'), settings.get('keptFileBytes'), tx.objectStore(PINS).getAll()])
  const pinned = new Set(pins.flatMap(pin => pin.keys))
  const meta = tx.objectStore(BLOCK_META)
  const sizes = await Promise.all([...pinned].map(async key => (await meta.get(key))?.size ?? 0))
  return {
    usedBytes: used ?? 0,
    pinnedBytes: sizes.reduce((sum, size) => sum + size, 0),
    budgetBytes: budget ?? defaultBudget,
    keptBytes: kept ?? 0,
    budgetSet: budget != null,
    pinned
  }
}

/** Moves blocks' last access forward to when they were read; blocks deleted meanwhile stay deleted. */
export async function recordTouches (meta: MetaStore, touches: Touches): Promise<void> {
  const current = await Promise.all(touches.map(async ([key]) => meta.get(key)))
  touches.forEach(([key, at], i) => {
    const entry = current[i]
    if (entry != null && entry.accessed < at) {
      void meta.put({ ...entry, accessed: at }, key).catch(() => {})
    }
  })
}
