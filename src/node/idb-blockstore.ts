import { logger } from '@libp2p/logger'
import { BaseBlockstore } from 'blockstore-core'
import { openDB } from 'idb'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { concat } from 'uint8arrays/concat'
import { defaultCacheBudget, parseCacheBudget } from '../lib/cache-policy.ts'
import { BLOCKS, BLOCK_META, LOCAL_STORE_VERSION, PINS, SETTINGS, blockKey, upgradeLocalStore } from './local-store-schema.ts'
import { deleteBlock, writeBlocks } from './store-writes.ts'
import { finishPin, listPins, missingKeys, protectKeys, removePin, startPin } from './pin-records.ts'
import { evictOnce, readTotals } from './store-eviction.ts'
import type { LocalCache } from './local-cache.ts'
import type { LocalStoreDb } from './local-store-schema.ts'
import type { Touches } from './store-eviction.ts'
import type { WrittenTotals } from './store-writes.ts'
import type { CacheUsage, PinInfo } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Pair } from 'interface-blockstore'

/** A write batch is committed once it holds this many blocks or bytes, or at the end of the current task. */
const BATCH_BLOCKS = 32
const BATCH_BYTES = 8 * 1024 * 1024

/** Reads are recorded (as last access times) with the next write, or after this long without one. */
const TOUCH_FLUSH_MS = 2_000
const MAX_TOUCHES = 1024

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
 * so stores it wrote stay readable), each with its size and last access.
 * IndexedDB's cost is per transaction, and a write queues every read behind
 * it, so writes made in the same task are committed together in one
 * transaction (up to a batch size), and reads asked for in the same task are
 * answered by one read-only transaction. A batch that fails (quota, a closed
 * database) writes none of its blocks: a block's bytes and its metadata are
 * always written and deleted together, so there are never partial blocks.
 *
 * Reads do not write: the blocks read are remembered and their access times
 * recorded with the next write batch (or a moment later). When a write takes
 * the blocks no pin holds past the budget, the least recently used of them
 * are evicted in batches behind it.
 */
export class IdbBlockstore extends BaseBlockstore implements LocalCache {
  private readonly name: string
  private readonly log = logger('edgeway:store:idb')
  private db?: LocalStoreDb
  /** A newer version of Edgeway upgraded the database: this one keeps out of its way */
  private superseded = false
  private defaultBudget = defaultCacheBudget()
  private writes: PendingWrite[] = []
  private writeBytes = 0
  private writeTimer?: ReturnType<typeof setTimeout>
  private readonly committing = new Set<Promise<unknown>>()
  private reads: PendingRead[] = []
  private readScheduled = false
  private touches = new Map<string, number>()
  private touchTimer?: ReturnType<typeof setTimeout>
  /** Pinned bytes as the last eviction found them: writes start an eviction only past budget + this */
  private pinnedBytes = 0
  /** Bytes of kept whole files as the last eviction found them: they take that much of the budget */
  private keptBytes = 0
  private evicting?: Promise<void>
  private evictAgain = false

  constructor (name: string) {
    super()
    this.name = name
  }

  async open (): Promise<void> {
    this.db = await openDB(this.name, LOCAL_STORE_VERSION, {
      upgrade: (db, oldVersion, _newVersion, tx) => { upgradeLocalStore(db, oldVersion, tx) },
      // a newer Edgeway (a new SW, another tab) needs to upgrade: let it, and fetch from edges meanwhile
      blocking: () => {
        this.superseded = true
        this.close()
      }
    })
    this.defaultBudget = defaultCacheBudget(await globalThis.navigator?.storage?.estimate?.().catch(() => undefined))
  }

  close (): void {
    this.db?.close()
    this.db = undefined
  }

  async put (cid: CID, block: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = block instanceof Uint8Array ? block : await collect(block)
    const done = deferred<void>()
    this.writes.push({ key: blockKey(cid), bytes, done })
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
    const key = blockKey(cid)
    const value = await this.read(key, false)
    if (!(value instanceof Uint8Array)) {
      throw new BlockNotFoundError(`${cid} is not in the local store`)
    }
    this.touch(key)
    yield value
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return await this.read(blockKey(cid), true) != null
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await deleteBlock(this.database(), blockKey(cid))
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for (const key of await this.database().getAllKeys(BLOCKS)) {
      options?.signal?.throwIfAborted()
      const cid = CID.createV1(raw.code, Digest.decode(base32upper.decode(String(key).slice(1))))
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  async flush (): Promise<void> {
    this.commitWrites()
    await Promise.allSettled([...this.committing])
    await this.evicted()
  }

  async usage (options?: AbortOptions): Promise<CacheUsage> {
    options?.signal?.throwIfAborted()
    const tx = this.database().transaction([BLOCK_META, PINS, SETTINGS], 'readonly')
    const totals = await readTotals(tx, this.defaultBudget)
    await tx.done
    return {
      // what the origin holds against its budget: unpinned blocks and kept whole files
      cachedBytes: totals.usedBytes - totals.pinnedBytes + (totals.keptBytes ?? 0),
      pinnedBytes: totals.pinnedBytes,
      budgetBytes: totals.budgetBytes,
      defaultBudget: !totals.budgetSet
    }
  }

  async setBudget (bytes: number | undefined, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    if (bytes == null) {
      await this.database().delete(SETTINGS, 'cacheBudgetBytes')
    } else {
      await this.database().put(SETTINGS, parseCacheBudget(bytes), 'cacheBudgetBytes')
    }
    this.scheduleEviction()
    await this.evicted()
  }

  /**
   * Records how many bytes whole verified files take (verified-files.ts),
   * and evicts blocks to leave them room within the budget.
   */
  async setKeptFileBytes (bytes: number, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.database().put(SETTINGS, Math.max(0, Math.floor(bytes)), 'keptFileBytes')
    this.scheduleEviction()
    await this.evicted()
  }

  async listPins (options?: AbortOptions): Promise<PinInfo[]> {
    options?.signal?.throwIfAborted()
    return listPins(this.database())
  }

  async startPin (root: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await startPin(this.database(), root.toString())
  }

  async protect (root: CID, blocks: CID[], options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return protectKeys(this.database(), root.toString(), blocks.map(blockKey))
  }

  async missing (blocks: CID[], options?: AbortOptions): Promise<CID[]> {
    options?.signal?.throwIfAborted()
    const absent = new Set(await missingKeys(this.database(), blocks.map(blockKey)))
    return blocks.filter(cid => absent.has(blockKey(cid)))
  }

  async finishPin (root: CID, options?: AbortOptions): Promise<PinInfo | undefined> {
    options?.signal?.throwIfAborted()
    return finishPin(this.database(), root.toString())
  }

  async unpin (root: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const removed = await removePin(this.database(), root.toString())
    if (removed) {
      this.scheduleEviction()
      await this.evicted()
    }
    return removed
  }

  private touch (key: string): void {
    this.touches.set(key, Date.now())
    if (this.touches.size >= MAX_TOUCHES) {
      this.commitWrites()
    } else {
      this.touchTimer ??= setTimeout(() => { this.commitWrites() }, TOUCH_FLUSH_MS)
    }
  }

  private takeTouches (): Touches {
    clearTimeout(this.touchTimer)
    this.touchTimer = undefined
    const touches = [...this.touches]
    this.touches = new Map()
    return touches
  }

  /** Commits the pending writes and the reads not yet recorded, in one transaction. */
  private commitWrites (): void {
    clearTimeout(this.writeTimer)
    this.writeTimer = undefined
    const batch = this.writes
    this.writes = []
    this.writeBytes = 0
    const touches = this.takeTouches()
    if (batch.length === 0 && touches.length === 0) {
      return
    }
    let committed: Promise<WrittenTotals | undefined>
    try {
      committed = writeBlocks(this.database(), batch, touches)
    } catch (err) {
      committed = Promise.reject(err)
    }
    this.committing.add(committed)
    committed.then(totals => {
      batch.forEach(write => { write.done.resolve() })
      if (totals != null && totals.usedBytes - this.pinnedBytes + this.keptBytes > (totals.budgetBytes ?? this.defaultBudget)) {
        this.scheduleEviction()
      }
    }, (err: unknown) => {
      batch.forEach(write => { write.done.reject(err) })
    }).finally(() => { this.committing.delete(committed) })
  }

  /** One eviction at a time per store; a request during one runs another after it. */
  private scheduleEviction (): void {
    if (this.evicting != null) {
      this.evictAgain = true
      return
    }
    this.evicting = this.evict().catch((err: unknown) => {
      this.log.error('eviction failed - %e', err)
    }).finally(() => {
      this.evicting = undefined
      if (this.evictAgain) {
        this.evictAgain = false
        this.scheduleEviction()
      }
    })
  }

  /** Resolves when no eviction is running or waiting to run. */
  private async evicted (): Promise<void> {
    while (this.evicting != null) {
      await this.evicting
    }
  }

  private async evict (): Promise<void> {
    for (;;) {
      const pass = await evictOnce(this.database(), this.defaultBudget, this.takeTouches())
      this.pinnedBytes = pass.pinnedBytes
      this.keptBytes = pass.keptBytes
      if (pass.evicted > 0) {
        this.log('evicted %d blocks (%d bytes)', pass.evicted, pass.freedBytes)
      }
      if (!pass.moreToFree) {
        return
      }
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
    if (this.superseded) {
      // the database belongs to a newer version now: nothing is cached as far as this one knows
      batch.forEach(read => { read.done.resolve(undefined) })
      return
    }
    try {
      const tx = this.database().transaction(BLOCKS, 'readonly')
      for (const read of batch) {
        (read.keyOnly ? tx.store.getKey(read.key) : tx.store.get(read.key)).then(read.done.resolve, read.done.reject)
      }
    } catch (err) {
      batch.forEach(read => { read.done.reject(err) })
    }
  }

  private database (): LocalStoreDb {
    if (this.db == null) {
      throw new StoreClosedError(this.superseded ? 'a newer version of Edgeway took over the local store' : 'the local store is not open')
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

async function collect (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) {
    chunks.push(chunk)
  }
  return concat(chunks)
}
