import { base32upper } from 'multiformats/bases/base32'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { BLOCK_HASHERS } from '../../src/lib/block-hashers.ts'
import type { Page } from 'playwright-core'

export interface StoreAudit {
  /** Keys of every stored block (`/` + base32upper multihash) */
  keys: string[]
  /** Blocks whose bytes do not hash to their key */
  corrupt: string[]
  /** Blocks without metadata, and metadata without a block */
  unpaired: string[]
  /** Metadata whose size is not the block's */
  wrongSize: string[]
  /** The running total of stored bytes, and the sum of the blocks' sizes */
  usedBytes: number
  blockBytes: number
  blocks: number
}

/**
 * Reads the page origin's block store (`edgeway-blocks`) the way nothing in
 * Edgeway does, straight from IndexedDB, and checks what must hold whatever
 * happened to the writes: every block hashes to its key, every block has its
 * metadata and nothing else does, and the running total is their sum.
 */
export async function auditStore (page: Page): Promise<StoreAudit> {
  const raw = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('edgeway-blocks')
      open.onsuccess = () => { resolve(open.result) }
      open.onerror = () => { reject(open.error) }
    })
    if (!['edgeway-blocks', 'block-meta', 'settings'].every(name => db.objectStoreNames.contains(name))) {
      // nothing has opened the store on this origin yet
      db.close()
      return { blocks: [], meta: [], usedBytes: 0 }
    }
    const tx = db.transaction(['edgeway-blocks', 'block-meta', 'settings'], 'readonly')
    const request = <T>(r: IDBRequest<T>): Promise<T> => new Promise((resolve, reject) => { r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
    const [keys, values, metaKeys, metas, used] = await Promise.all([
      request(tx.objectStore('edgeway-blocks').getAllKeys()),
      request(tx.objectStore('edgeway-blocks').getAll()),
      request(tx.objectStore('block-meta').getAllKeys()),
      request(tx.objectStore('block-meta').getAll()),
      request(tx.objectStore('settings').get('usedBytes'))
    ])
    db.close()
    const blocks = await Promise.all((values as Array<Uint8Array<ArrayBuffer>>).map(async (bytes, i) => ({
      key: String(keys[i]),
      size: bytes.byteLength,
      sha256: Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), b => b.toString(16).padStart(2, '0')).join(''),
      // a key that is not a sha2-256 multihash ('CIQ…') is checked in Node, with the bytes themselves
      base64: String(keys[i]).startsWith('/CIQ') ? undefined : btoa(Array.from(bytes, b => String.fromCharCode(b)).join(''))
    })))
    return { blocks, meta: (metas as Array<{ size: number }>).map((meta, i) => ({ key: String(metaKeys[i]), size: meta.size })), usedBytes: (used as number | undefined) ?? 0 }
  })
  const meta = new Map(raw.meta.map(entry => [entry.key, entry.size]))
  const keys = new Set(raw.blocks.map(block => block.key))
  return {
    keys: [...keys],
    corrupt: (await Promise.all(raw.blocks.map(async block => await matchesKey(block) ? [] : [block.key]))).flat(),
    unpaired: [...raw.blocks.filter(block => !meta.has(block.key)).map(block => block.key), ...raw.meta.filter(entry => !keys.has(entry.key)).map(entry => entry.key)],
    wrongSize: raw.blocks.filter(block => meta.has(block.key) && meta.get(block.key) !== block.size).map(block => block.key),
    usedBytes: raw.usedBytes,
    blockBytes: raw.blocks.reduce((sum, block) => sum + block.size, 0),
    blocks: raw.blocks.length
  }
}

/** Whether a block's bytes hash to its key (`/` + base32upper multihash), with any hash Edgeway verifies. */
async function matchesKey (block: { key: string, sha256: string, base64?: string }): Promise<boolean> {
  const digest = Digest.decode(base32upper.decode(block.key.slice(1)))
  if (digest.code === sha256.code) {
    return Buffer.from(digest.digest).toString('hex') === block.sha256
  }
  const hasher = BLOCK_HASHERS.find(h => h.code === digest.code)
  if (hasher == null || block.base64 == null) {
    return false
  }
  return equals((await hasher.digest(Buffer.from(block.base64, 'base64'))).digest, digest.digest)
}
