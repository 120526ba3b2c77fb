import { openDB } from 'idb'
import { mergeRecords } from '../lib/edge-health.ts'
import type { EdgeRecord } from '../lib/edge-health.ts'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { DBSchema, IDBPDatabase } from 'idb'

/**
 * The origin's edge database, apart from the block store so that neither's
 * upgrades wait on the other: what this browser measured of each edge, and
 * the edge list its user chose on the gateway page.
 */
export const EDGE_DB_NAME = 'edgeway-edges'
const EDGE_DB_VERSION = 1
const HEALTH = 'health'
const LISTS = 'edge-lists'
/** The one list kept: the user's, used instead of the server's edges. */
const USER_LIST = 'user'

export interface EdgeDbSchema extends DBSchema {
  [HEALTH]: { key: string, value: EdgeRecord }
  [LISTS]: { key: typeof USER_LIST, value: EdgeEndpoint[] }
}

export type EdgeDb = IDBPDatabase<EdgeDbSchema>

export async function openEdgeDb (options: AbortOptions = {}): Promise<EdgeDb> {
  options.signal?.throwIfAborted()
  const db = await openDB<EdgeDbSchema>(EDGE_DB_NAME, EDGE_DB_VERSION, {
    upgrade (db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore(HEALTH)
        db.createObjectStore(LISTS)
      }
    }
  })
  // a newer version elsewhere (a page or SW updated first) must not wait on this connection
  db.addEventListener('versionchange', () => { db.close() })
  return db
}

export async function loadHealth (db: EdgeDb, options: AbortOptions = {}): Promise<EdgeRecord[]> {
  options.signal?.throwIfAborted()
  return db.getAll(HEALTH)
}

/**
 * Writes records in one transaction, each merged with what is stored: another
 * writer on the origin (a page's SDK client, an older SW still finishing)
 * may have demoted an edge this one did not hear of.
 */
export async function saveHealth (db: EdgeDb, records: EdgeRecord[], options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const tx = db.transaction(HEALTH, 'readwrite')
  const stored = await Promise.all(records.map(async record => tx.store.get(record.key)))
  records.forEach((record, i) => {
    const previous = stored[i]
    void tx.store.put(previous == null ? record : mergeRecords(record, previous), record.key).catch(() => {})
  })
  await tx.done
}

/** The user's edge list, or undefined when the server's is used. */
export async function loadUserEdges (db: EdgeDb, options: AbortOptions = {}): Promise<EdgeEndpoint[] | undefined> {
  options.signal?.throwIfAborted()
  return db.get(LISTS, USER_LIST)
}

/** Stores the user's list; undefined goes back to the server's. */
export async function saveUserEdges (db: EdgeDb, edges: EdgeEndpoint[] | undefined, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  if (edges == null) {
    await db.delete(LISTS, USER_LIST)
  } else {
    await db.put(LISTS, edges, USER_LIST)
  }
}
