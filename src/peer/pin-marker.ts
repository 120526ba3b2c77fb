import { openDB } from 'idb'
import type { PublishedRoot } from '../lib/types.ts'
import type { DBSchema, IDBPDatabase } from 'idb'

export type { PublishedRoot }

interface PinSchema extends DBSchema {
  published: { key: string, value: PublishedRoot }
}

/**
 * The database that marks published roots as kept. It is only a marker: the
 * blocks live in the shared block store, and the store's own pinning and
 * eviction decide what that means (they must treat these roots as pinned).
 */
export const PUBLISHED_DB = 'edgeway-published'

async function open (): Promise<IDBPDatabase<PinSchema>> {
  return openDB<PinSchema>(PUBLISHED_DB, 1, {
    upgrade (db) {
      db.createObjectStore('published', { keyPath: 'cid' })
    }
  })
}

export async function markPublished (root: PublishedRoot): Promise<void> {
  const db = await open()
  try {
    await db.put('published', root)
  } finally {
    db.close()
  }
}

export async function listPublished (): Promise<PublishedRoot[]> {
  const db = await open()
  try {
    return (await db.getAll('published')).sort((a, b) => b.publishedAt - a.publishedAt)
  } finally {
    db.close()
  }
}
