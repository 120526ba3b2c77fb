import { base32upper } from 'multiformats/bases/base32'
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { CID } from 'multiformats/cid'

/**
 * Version 1 held block bytes only. Version 2 adds what eviction and pinning
 * need, and keeps the block store as it was, so blocks stored before stay
 * readable.
 */
export const LOCAL_STORE_VERSION = 2

/** Block bytes by key: blockstore-idb's layout (a store named as the database), unchanged since version 1. */
export const BLOCKS = 'edgeway-blocks'
/** Size and last access of every block in BLOCKS, written in the same transactions as the bytes. */
export const BLOCK_META = 'block-meta'
/** Pinned DAGs by root CID, with the keys of their blocks. */
export const PINS = 'pins'
/** Numbers the whole origin shares: the budget, and the bytes stored (kept as a running total). */
export const SETTINGS = 'settings'

export interface BlockMeta {
  /** Bytes of the block */
  size: number
  /** When it was last read or written (ms since the epoch); 0 for blocks stored before version 2 */
  accessed: number
}

export interface PinRecord {
  /** The root CID as given */
  cid: string
  /**
   * Keys of the DAG's blocks. A key is added before its block is fetched, so a
   * block is protected from the moment it is written.
   */
  keys: string[]
  pinnedAt: number
  /** Every block of the DAG was in the store when pinning finished */
  complete: boolean
  /** Bytes of the DAG's blocks when pinning finished */
  bytes: number
}

/** `keptFileBytes`: whole verified files the SW keeps in Cache Storage (verified-files.ts), counted against the same budget */
export type SettingKey = 'cacheBudgetBytes' | 'usedBytes' | 'keptFileBytes'

export interface LocalStoreSchema extends DBSchema {
  [BLOCKS]: { key: string, value: Uint8Array }
  [BLOCK_META]: { key: string, value: BlockMeta, indexes: { accessed: number } }
  [PINS]: { key: string, value: PinRecord }
  [SETTINGS]: { key: SettingKey, value: number }
}

export type LocalStoreDb = IDBPDatabase<LocalStoreSchema>

/** Blocks are keyed by multihash (as blockstore-idb does): a CIDv0 and a CIDv1 of the same bytes are one block. */
export function blockKey (cid: CID): string {
  return `/${base32upper.encoder.encode(cid.multihash.bytes)}`
}

/**
 * Creates what a version lacks. From version 1, every stored block gets its
 * metadata (as least recently used, so it goes first) and the running total
 * starts from their sizes, all in the upgrade transaction: if it fails, the
 * database stays at version 1 as it was.
 */
export function upgradeLocalStore (db: LocalStoreDb, oldVersion: number, tx: IDBPTransaction<LocalStoreSchema, Array<StoreNames<LocalStoreSchema>>, 'versionchange'>): void {
  if (oldVersion < 1) {
    db.createObjectStore(BLOCKS)
  }
  if (oldVersion < 2) {
    db.createObjectStore(BLOCK_META).createIndex('accessed', 'accessed')
    db.createObjectStore(PINS)
    db.createObjectStore(SETTINGS)
    void recordExistingBlocks(tx).catch(() => { tx.abort() })
  }
}

async function recordExistingBlocks (tx: IDBPTransaction<LocalStoreSchema, Array<StoreNames<LocalStoreSchema>>, 'versionchange'>): Promise<void> {
  const meta = tx.objectStore(BLOCK_META)
  let used = 0
  for (let cursor = await tx.objectStore(BLOCKS).openCursor(); cursor != null; cursor = await cursor.continue()) {
    const size = cursor.value.byteLength
    used += size
    void meta.put({ size, accessed: 0 }, cursor.key).catch(() => {})
  }
  await tx.objectStore(SETTINGS).put(used, 'usedBytes')
}
