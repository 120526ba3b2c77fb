import { deleteDB } from 'idb'
import { SW_UNREGISTER_PATH } from '../lib/sw-lifecycle.ts'
import { ResetBlockedError } from './errors.ts'

/**
 * How long a database may stay open elsewhere before the reset gives up on
 * it: Edgeway's own connections close as soon as a delete asks them to
 */
export const RESET_BLOCKED_TIMEOUT_MS = 10_000

/** What `clearOriginStores` deleted */
export interface ClearedStores {
  caches: string[]
  databases: string[]
}

/**
 * Unregister every service worker of this origin. The one controlling the
 * page is asked first, so it stops answering at once (it retires) rather
 * than when the browser lets it go. Registrations are per origin: the SWs
 * of content roots on their own origins are not touched.
 */
export async function unregisterServiceWorkers (options: { signal?: AbortSignal } = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const container = navigator.serviceWorker
  if (container == null) return
  if (container.controller != null) {
    await fetch(SW_UNREGISTER_PATH, { method: 'POST', signal: options.signal }).catch(() => undefined)
  }
  const registrations = await container.getRegistrations()
  await Promise.all(registrations.map(async registration => registration.unregister()))
}

/**
 * Delete everything this origin keeps: every Cache Storage cache, every
 * IndexedDB database (the block store, edges and their health, kept files,
 * published roots) and web storage (settings). Run from a page that opened
 * none of them (main.ts runs it on the load after `reset-button`), so no
 * connection of its own holds a delete up.
 *
 * @throws {ResetBlockedError} when a database is still open elsewhere after `blockedTimeoutMs`
 */
export async function clearOriginStores (options: { signal?: AbortSignal, blockedTimeoutMs?: number } = {}): Promise<ClearedStores> {
  options.signal?.throwIfAborted()
  const cacheNames = await caches.keys()
  await Promise.all(cacheNames.map(async name => caches.delete(name)))
  const databases = (await indexedDB.databases()).flatMap(db => db.name == null ? [] : [db.name])
  const pending = new Set(databases)
  let timer: ReturnType<typeof setTimeout> | undefined
  const blocked = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new ResetBlockedError([...pending])) }, options.blockedTimeoutMs ?? RESET_BLOCKED_TIMEOUT_MS)
  })
  try {
    await Promise.race([
      Promise.all(databases.map(async name => {
        await deleteDB(name)
        pending.delete(name)
      })),
      blocked
    ])
  } finally {
    clearTimeout(timer)
  }
  localStorage.clear()
  sessionStorage.clear()
  return { caches: cacheNames, databases }
}
