import type { Page } from 'playwright-core'

export interface StoredBlocks {
  /** Keys of every block in the origin's local store (`/` + base32 multihash, as the store keys them) */
  keys: string[]
  /** Keys whose bytes do not hash to the key: corrupt blocks */
  corrupt: string[]
}

/**
 * Reads the page origin's block store straight from IndexedDB and hashes
 * every block against its key, as an outsider would check that nothing
 * unverified was ever stored. Only sha2-256 keys are expected.
 */
export async function readStoredBlocks (page: Page): Promise<StoredBlocks> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('edgeway-blocks')
      open.onsuccess = () => { resolve(open.result) }
      open.onerror = () => { reject(open.error) }
    })
    const entries = await new Promise<Array<[string, Uint8Array<ArrayBuffer>]>>((resolve, reject) => {
      if (!db.objectStoreNames.contains('edgeway-blocks')) {
        resolve([])
        return
      }
      const found: Array<[string, Uint8Array<ArrayBuffer>]> = []
      const request = db.transaction('edgeway-blocks').objectStore('edgeway-blocks').openCursor()
      request.onsuccess = () => {
        const cursor = request.result
        if (cursor == null) {
          resolve(found)
          return
        }
        found.push([String(cursor.key), cursor.value as Uint8Array<ArrayBuffer>])
        cursor.continue()
      }
      request.onerror = () => { reject(request.error) }
    })
    db.close()
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
    const multihashOf = (key: string): Uint8Array => {
      const bytes: number[] = []
      let bits = 0
      let value = 0
      for (const char of key.slice(2)) { // '/' and the multibase prefix 'B'
        value = (value << 5) | alphabet.indexOf(char)
        bits += 5
        if (bits >= 8) {
          bytes.push((value >>> (bits - 8)) & 0xff)
          bits -= 8
        }
      }
      return new Uint8Array(bytes)
    }
    const corrupt: string[] = []
    for (const [key, bytes] of entries) {
      const multihash = multihashOf(key)
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      const matches = multihash[0] === 0x12 && multihash[1] === 32 && digest.every((byte, i) => byte === multihash[i + 2])
      if (!matches) corrupt.push(key)
    }
    return { keys: entries.map(([key]) => key), corrupt }
  })
}
