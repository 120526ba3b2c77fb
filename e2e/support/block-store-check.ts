import { base32upper } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'
import type { Page } from 'playwright-core'

export interface StoredBlocks {
  /** Keys of the blocks in the page origin's store (`/` + base32 multihash, as src/lib/node/local-store-schema.ts writes them) */
  keys: string[]
  /** Keys whose bytes do not hash to the digest the key names (or whose hash could not be checked) */
  corrupt: string[]
}

/** The store key a block is kept under: its multihash, as the SW's IndexedDB store names it. */
export function storeKey (cid: CID): string {
  return `/${base32upper.encoder.encode(cid.multihash.bytes)}`
}

/**
 * Reads every block the origin's IndexedDB store (`edgeway-blocks`) holds,
 * from the page, and hashes each against its key: what a user's cache holds
 * and what this browser would serve to others.
 */
export async function readBlockStore (page: Page): Promise<StoredBlocks> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('edgeway-blocks')
      open.onsuccess = () => { resolve(open.result) }
      open.onerror = () => { reject(open.error) }
    })
    if (!db.objectStoreNames.contains('edgeway-blocks')) {
      db.close()
      return { keys: [], corrupt: [] }
    }
    const entries = await new Promise<Array<[string, Uint8Array<ArrayBuffer>]>>((resolve, reject) => {
      const out: Array<[string, Uint8Array<ArrayBuffer>]> = []
      const cursor = db.transaction('edgeway-blocks').objectStore('edgeway-blocks').openCursor()
      cursor.onsuccess = () => {
        const at = cursor.result
        if (at == null) {
          resolve(out)
          return
        }
        out.push([String(at.key), new Uint8Array(at.value as ArrayBuffer)])
        at.continue()
      }
      cursor.onerror = () => { reject(cursor.error) }
    })
    db.close()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
    const decode = (text: string): Uint8Array => {
      const out: number[] = []
      let bits = 0
      let value = 0
      for (const char of text) {
        value = (value << 5) | alphabet.indexOf(char)
        bits += 5
        if (bits >= 8) {
          out.push((value >>> (bits - 8)) & 0xff)
          bits -= 8
        }
      }
      return new Uint8Array(out)
    }
    const corrupt: string[] = []
    for (const [key, bytes] of entries) {
      // a sha2-256 multihash (0x12, 32 bytes) is all the SW stores from these tests
      // keys are '/' and the multihash in multibase base32 upper ('B' then RFC 4648 base32)
      const multihash = decode(key.slice(2))
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      const ok = multihash[0] === 0x12 && multihash[1] === 32 && multihash.byteLength === 34 && digest.every((b, i) => b === multihash[2 + i])
      if (!ok) corrupt.push(key)
    }
    return { keys: entries.map(([key]) => key), corrupt }
  })
}
