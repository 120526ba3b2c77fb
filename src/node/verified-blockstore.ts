import { CustomProgressEvent } from 'progress-events'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import { hashMatches } from '../lib/hash-matches.ts'
import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Blockstore, Pair, InputPair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'
import type { BlockSizeDetail, EdgewayProgressEventName } from '../lib/types.ts'

/** What a request passes the store: its signal, and where it counts the bytes it reads and writes. */
export type StoreOptions = AbortOptions & ProgressOptions<CustomProgressEvent<BlockSizeDetail, EdgewayProgressEventName>>

/** Blocks read by `has()` and kept for the `get()` that follows it. */
const MAX_CHECKED = 64

/** Verified blocks this small (DAG nodes, not file leaves) stay in `checked` after a `get`: paths are walked more than once. */
const KEEP_CHECKED_BELOW = 64 * 1024

/**
 * Verified blocks kept in memory on purpose (`retain`) across all sites, by
 * default: a small site's CAR is capped at `smallSiteBytes` (4 MiB), so this
 * holds about two of them.
 */
export const DEFAULT_RETAIN_BYTES = 8 * 1024 * 1024

export interface VerifiedBlockstoreInit {
  /** Bytes of retained blocks held at most; the least recently read go first */
  retainBytes?: number
}

/** A store that finishes work behind its writes (IdbBlockstore) */
interface Flushable { flush(): Promise<void> }

export class CorruptBlockError extends Error {
  static name = 'CorruptBlockError'
  name = 'CorruptBlockError'
}

/**
 * The local store as the node sees it.
 *
 * Reads: a block is checked against its CID when it is looked up, before
 * anyone uses it. IndexedDB is shared with other code on the origin and can be
 * damaged, so "it is in the cache" is not proof. A corrupt block is deleted
 * and reported as absent, so the same request fetches an honest copy.
 *
 * Writes happen behind: `put` keeps the block in memory and returns at once,
 * so a verified block goes on to the reader without waiting for IndexedDB.
 * Callers must only put blocks they have verified (Helia hashes every block a
 * broker returns before it puts it). A write that fails (quota, a closed
 * database) leaves the block uncached, never half-written: each block is one
 * IndexedDB transaction.
 *
 * Retained blocks: a caller that verified a block and knows it will be read
 * again soon (a small site's CAR: its page asks for every asset next) may
 * `retain` it. It is then answered from memory, without reading IndexedDB
 * and hashing again: memory is this context's own, which no page script can
 * write, so the check on arrival still holds. They are bounded by bytes
 * (`retainBytes`), least recently read evicted first; an evicted block is read
 * from the store and checked again like any other.
 */
export class VerifiedBlockstore implements Blockstore {
  private readonly child: Blockstore
  private readonly log: Logger
  private readonly pending = new Map<string, { block: Uint8Array, written: Promise<void> }>()
  private pendingBytes = 0
  private readonly drainWaiters = new Set<() => void>()
  private readonly checked = new Map<string, Uint8Array>()
  /** Blocks retained on purpose, least recently read first */
  private readonly retained = new Map<string, Uint8Array>()
  private retainedBytes = 0
  private readonly retainBytes: number

  constructor (child: Blockstore, log: Logger, init: VerifiedBlockstoreInit = {}) {
    this.child = child
    this.log = log
    this.retainBytes = init.retainBytes ?? DEFAULT_RETAIN_BYTES
  }

  /**
   * Keeps a block the caller verified in memory for the reads that follow
   * (bounded, see the class). Does not store it: `put` does that.
   */
  retain (cid: CID, block: Uint8Array): void {
    if (block.byteLength > this.retainBytes) {
      return
    }
    const key = keyOf(cid)
    this.forget(key)
    // held here now: the small set of checked nodes keeps its room for others
    this.checked.delete(key)
    this.retained.set(key, block)
    this.retainedBytes += block.byteLength
    while (this.retainedBytes > this.retainBytes) {
      this.forget(this.retained.keys().next().value as string)
    }
  }

  /** Bytes of the blocks retained now. */
  get retainedSize (): number {
    return this.retainedBytes
  }

  private forget (key: string): void {
    const block = this.retained.get(key)
    if (block != null) {
      this.retained.delete(key)
      this.retainedBytes -= block.byteLength
    }
  }

  /** A retained block, now the most recently read. */
  private recall (key: string): Uint8Array | undefined {
    const block = this.retained.get(key)
    if (block != null) {
      this.retained.delete(key)
      this.retained.set(key, block)
    }
    return block
  }

  /**
   * Resolves when every write started so far has settled, and the store
   * under this one has done what those writes started (recording access
   * times, evicting down to the budget).
   */
  async flush (): Promise<void> {
    await Promise.all([...this.pending.values()].map(async p => p.written))
    await (this.child as Partial<Flushable>).flush?.()
  }

  /** Resolves once the bytes waiting to be written are at most `bytes`: how a fast source waits for a slow store. */
  async drained (bytes: number): Promise<void> {
    while (this.pendingBytes > bytes) {
      await new Promise<void>(resolve => { this.drainWaiters.add(resolve) })
    }
  }

  /**
   * Helia asks `has` before `get` and then trusts the answer, so this is where
   * the hash is checked: the verified bytes are kept for the `get`.
   */
  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    const key = keyOf(cid)
    if (this.pending.has(key) || this.checked.has(key) || this.retained.has(key)) {
      return true
    }
    if (!await this.child.has(cid, options)) {
      return false
    }
    const block = await this.readVerified(cid, options)
    if (block == null) {
      return false
    }
    this.remember(key, block)
    return true
  }

  private remember (key: string, block: Uint8Array): void {
    this.checked.delete(key)
    this.checked.set(key, block)
    if (this.checked.size > MAX_CHECKED) {
      this.checked.delete(this.checked.keys().next().value as string)
    }
  }

  /** A block held in memory (written behind, or just checked), without touching the store. */
  peek (cid: CID): Uint8Array | undefined {
    const key = keyOf(cid)
    return this.pending.get(key)?.block ?? this.checked.get(key) ?? this.recall(key)
  }

  async * get (cid: CID, options?: StoreOptions): AsyncGenerator<Uint8Array> {
    const key = keyOf(cid)
    const ready = this.pending.get(key)?.block ?? this.checked.get(key) ?? this.recall(key)
    if (ready != null) {
      if (ready.byteLength >= KEEP_CHECKED_BELOW) {
        this.checked.delete(key)
      }
      reportSize(cid, ready, options)
      yield ready
      return
    }
    const block = await this.readVerified(cid, options)
    if (block == null) {
      throw new CorruptBlockError(`Stored block ${cid} did not match its hash and was removed`)
    }
    if (block.byteLength < KEEP_CHECKED_BELOW) {
      this.remember(key, block)
    }
    reportSize(cid, block, options)
    yield block
  }

  async put (cid: CID, block: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: StoreOptions): Promise<CID> {
    if (!(block instanceof Uint8Array)) {
      return this.child.put(cid, block, options)
    }
    reportSize(cid, block, options)
    const key = keyOf(cid)
    if (this.pending.has(key)) {
      return cid
    }
    // not tied to the request's signal: a reader going away must not lose a verified block
    const written = Promise.resolve(this.child.put(cid, block)).then(() => {
      if (block.byteLength < KEEP_CHECKED_BELOW && !this.retained.has(key)) {
        // a DAG node, now stored: the next window of a file reads it again (a retained block is held already, and
        // a site's hundreds of them must not push out of the small set the nodes its pages' paths go through)
        this.remember(key, block)
      }
    }, (err: Error) => {
      this.log.error('could not store %c, it stays uncached - %e', cid, err)
    }).finally(() => {
      this.pending.delete(key)
      this.pendingBytes -= block.byteLength
      for (const wake of this.drainWaiters) {
        wake()
      }
      this.drainWaiters.clear()
    })
    this.pending.set(key, { block, written })
    this.pendingBytes += block.byteLength
    return cid
  }

  async * putMany (source: AsyncIterable<InputPair> | Iterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    yield * this.child.putMany(source, options)
  }

  async * getMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    const key = keyOf(cid)
    await this.pending.get(key)?.written
    this.checked.delete(key)
    this.forget(key)
    await this.child.delete(cid, options)
  }

  async * deleteMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) {
      await this.delete(cid, options)
      yield cid
    }
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    await this.flush()
    yield * this.child.getAll(options)
  }

  /** The stored block if it matches its CID; a corrupt one is deleted and undefined returned. */
  private async readVerified (cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = []
    for await (const chunk of this.child.get(cid, options)) {
      chunks.push(chunk)
    }
    const block = chunks.length === 1 ? chunks[0] : concat(chunks)
    if (await hashMatches(cid, block)) {
      return block
    }
    this.log.error('stored block %c does not match its hash; removing it', cid)
    await this.child.delete(cid, options)
    return undefined
  }
}

/** Tells the request reading or writing a block its size: how responses count bytes by source. */
function reportSize (cid: CID, block: Uint8Array, options?: StoreOptions): void {
  options?.onProgress?.(new CustomProgressEvent<BlockSizeDetail, EdgewayProgressEventName>('edgeway:block:size', { cid: cid.toString(), bytes: block.byteLength }))
}

/** Blocks are addressed by multihash: a CIDv0 and a CIDv1 of the same bytes are one block. */
function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}

export { hashMatches }
