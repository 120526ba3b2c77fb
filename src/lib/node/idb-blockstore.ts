import { BaseBlockstore } from 'blockstore-core'
import { openDB } from 'idb'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { concat } from 'uint8arrays/concat'
import type { IDBPDatabase } from 'idb'
import type { AbortOptions } from '@libp2p/interface'
import type { Pair } from 'interface-blockstore'

/** A write batch is committed once it holds this many blocks or bytes, or at the end of the current task. */
const BATCH_BLOCKS = 32
const BATCH_BYTES = 8 * 1024 * 1024

/** Named as the blockstore interface's own "not found", which Helia recognises. */
export class BlockNotFoundError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}

export class StoreClosedError extends Error {
  static name = 'StoreClosedError'
  name = 'StoreClosedError'
}

interface PendingWrite { key: string, bytes: Uint8Array, done: Deferred<void> }
interface PendingRead { key: string, keyOnly: boolean, done: Deferred<unknown> }

/**
 * Blocks in IndexedDB, keyed by multihash (the layout blockstore-idb uses,
 * so stores it wrote stay readable). IndexedDB's cost is per transaction,
 * and a write queues every read behind it, so writes made in the same task
 * are committed together in one transaction (up to a batch size), and reads
 * asked for in the same task are answered by one read-only transaction.
 * A batch that fails (quota, a closed database) writes none of its blocks:
 * there are never partial blocks.
 */
export class IdbBlockstore extends BaseBlockstore {
  private readonly name: string
  private db?: IDBPDatabase
  private writes: PendingWrite[] = []
  private writeBytes = 0
  private writeTimer?: ReturnType<typeof setTimeout>
  private reads: PendingRead[] = []
  private readScheduled = false

  constructor (name: string) {
    super()
    this.name = name
  }

  async open (): Promise<void> {
    const name = this.name
    this.db = await openDB(name, 1, {
      upgrade (db) {
        db.createObjectStore(name)
      }
    })
  }

  close (): void {
    this.db?.close()
    this.db = undefined
  }

  async put (cid: CID, block: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = block instanceof Uint8Array ? block : await collect(block)
    const done = deferred<void>()
    this.writes.push({ key: keyOf(cid), bytes, done })
    this.writeBytes += bytes.byteLength
    if (this.writes.length >= BATCH_BLOCKS || this.writeBytes >= BATCH_BYTES) {
      this.commitWrites()
    } else {
      this.writeTimer ??= setTimeout(() => { this.commitWrites() }, 0)
    }
    await done.promise
    return cid
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const value = await this.read(keyOf(cid), false)
    if (!(value instanceof Uint8Array)) {
      throw new BlockNotFoundError(`${cid} is not in the local store`)
    }
    yield value
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return await this.read(keyOf(cid), true) != null
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.database().delete(this.name, keyOf(cid))
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for (const key of await this.database().getAllKeys(this.name)) {
      options?.signal?.throwIfAborted()
      const cid = CID.createV1(raw.code, Digest.decode(base32upper.decode(String(key).slice(1))))
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  private commitWrites (): void {
    clearTimeout(this.writeTimer)
    this.writeTimer = undefined
    const batch = this.writes
    this.writes = []
    this.writeBytes = 0
    if (batch.length === 0) {
      return
    }
    try {
      const tx = this.database().transaction(this.name, 'readwrite', { durability: 'relaxed' })
      for (const write of batch) {
        void tx.store.put(write.bytes, write.key).catch(() => {})
      }
      tx.done.then(() => {
        batch.forEach(write => { write.done.resolve() })
      }, (err: unknown) => {
        batch.forEach(write => { write.done.reject(err) })
      })
    } catch (err) {
      batch.forEach(write => { write.done.reject(err) })
    }
  }

  private async read (key: string, keyOnly: boolean): Promise<unknown> {
    const done = deferred<unknown>()
    this.reads.push({ key, keyOnly, done })
    if (!this.readScheduled) {
      this.readScheduled = true
      queueMicrotask(() => { this.commitReads() })
    }
    return done.promise
  }

  private commitReads (): void {
    this.readScheduled = false
    const batch = this.reads
    this.reads = []
    try {
      const tx = this.database().transaction(this.name, 'readonly')
      for (const read of batch) {
        (read.keyOnly ? tx.store.getKey(read.key) : tx.store.get(read.key)).then(read.done.resolve, read.done.reject)
      }
    } catch (err) {
      batch.forEach(read => { read.done.reject(err) })
    }
  }

  private database (): IDBPDatabase {
    if (this.db == null) {
      throw new StoreClosedError('the local store is not open')
    }
    return this.db
  }
}

interface Deferred<T> { promise: Promise<T>, resolve(value: T): void, reject(reason: unknown): void }

function deferred<T> (): Deferred<T> {
  let resolve: (value: T) => void = () => {}
  let reject: (reason: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

function keyOf (cid: CID): string {
  return `/${base32upper.encoder.encode(cid.multihash.bytes)}`
}

async function collect (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) {
    chunks.push(chunk)
  }
  return concat(chunks)
}
