import { NoProvidersError, SourceTimeoutError, VerificationError } from '../../lib/errors.ts'
import { CarFetchError } from '../../node/edge-car-fetcher.ts'
import { concat } from 'uint8arrays/concat'
import { hashMatches } from '../../lib/hash-matches.ts'
import type { BlockSource } from '../../lib/types.ts'
import type { BlockGetter } from './unixfs-walk.ts'
import type { CarQuery, EdgeCarFetcher } from '../../node/edge-car-fetcher.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * Verified blocks the CAR brought ahead of the walk, at most, while the walk
 * is not waiting for one: past it the CAR is read no further until the walk
 * takes some (the reader's pace reaches the edge through TCP).
 */
const MAX_AHEAD_BYTES = 8 * 1024 * 1024

/**
 * Ahead of the walk, at most, even while it waits: an edge that sends this
 * much the walk did not ask for (blocks of other DAGs, or in another order)
 * is left, and what the walk still needs is asked for block by block.
 */
const MAX_UNASKED_BYTES = 4 * MAX_AHEAD_BYTES

/**
 * Blocks the walk took lately, kept for it to take again: a file that
 * repeats a block (runs of zeros, padding) names it again, and the CAR
 * (`car-dups=n`) sends it once.
 */
const RECENT_BYTES = 8 * 1024 * 1024

export interface CarBlocksInit {
  cars: EdgeCarFetcher
  /** How many edges the fetcher can ask: one that failed this response is not asked again while another is left */
  edges: number
  /** The local store: read first (each block checked again), and where the blocks the edges send are kept */
  store: Blockstore
  /** No block for this long: SourceTimeoutError */
  timeoutMs: number
  /** Every block the walk takes, with where it came from, as it is taken */
  onUse(source: BlockSource, bytes: number): void
  /** The response's: aborting it ends the CAR */
  signal: AbortSignal
}

interface Waiter {
  resolve(bytes: Uint8Array | undefined): void
}

/**
 * The blocks one response walks, as the walk asks for them:
 * from the local store when it holds them, else from one CAR of the entity
 * the response is after (asked for on the first block the store lacks), else
 * (the CAR ended without it: an edge that broke off or lied) the block alone
 * from the edges that have not failed this response. Blocks from the edges
 * were checked against their CIDs by the fetcher; blocks from the store are
 * checked again (a page script on the origin can write the store). Only
 * blocks the walk uses are kept in the store.
 */
export class CarBlocks implements BlockGetter {
  private readonly init: CarBlocksInit
  /** Verified blocks the CAR brought that the walk has not asked for yet */
  private readonly arrived = new Map<string, { cid: CID, bytes: Uint8Array }>()
  private aheadBytes = 0
  private readonly waiters = new Map<string, Waiter>()
  /** One read per block: the walk may ask for a block again before the first ask is answered */
  private readonly reading = new Map<string, Promise<Uint8Array>>()
  private readonly recent = new Map<string, Uint8Array>()
  private recentBytes = 0
  /** When the CAR last brought a block: a wait times out only when no block at all came for the idle timeout */
  private lastArrival = 0
  /** Wakes the CAR when the walk took a block or waits for one */
  private wake?: () => void
  private aimed?: CarQuery
  private pumped?: CarQuery
  private pumping = false
  /** Edges that failed this response: not asked again for it, while another edge is left */
  private readonly failed = new Set<string>()
  private lied = false

  constructor (init: CarBlocksInit) {
    this.init = init
  }

  /** The entity the walk is after now: its CAR is asked for when the store lacks a block */
  aim (query: CarQuery): void {
    this.aimed = query
  }

  async block (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    const key = keyOf(cid)
    const again = this.recent.get(key)
    if (again != null) {
      this.init.onUse('cache', again.byteLength)
      return again
    }
    let read = this.reading.get(key)
    if (read == null) {
      read = this.read(cid, key, options)
      this.reading.set(key, read)
      read.then(bytes => { this.remember(key, bytes) }, () => {}).finally(() => { this.reading.delete(key) }).catch(() => {})
    }
    return read
  }

  private async read (cid: CID, key: string, options: AbortOptions): Promise<Uint8Array> {
    const kept = this.take(key) ?? await this.fromStore(cid, options)
    if (kept != null) {
      return kept
    }
    while (true) {
      options.signal?.throwIfAborted()
      // the CAR may have brought it while the store was read
      const ahead = this.take(key)
      if (ahead != null) {
        return ahead
      }
      if (!this.pumping && this.aimed != null && this.aimed !== this.pumped) {
        this.pump(this.aimed)
      }
      if (!this.pumping) {
        return this.single(cid, options)
      }
      const bytes = await this.waitFor(key, options)
      if (bytes != null) {
        return bytes
      }
    }
  }

  private remember (key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > RECENT_BYTES / 4) {
      return
    }
    this.recent.set(key, bytes)
    this.recentBytes += bytes.byteLength
    for (const [oldest, old] of this.recent) {
      if (this.recentBytes <= RECENT_BYTES) break
      this.recent.delete(oldest)
      this.recentBytes -= old.byteLength
    }
  }

  /** A block the CAR brought ahead of the walk, now used: kept in the store (only blocks the walk uses are) */
  private take (key: string): Uint8Array | undefined {
    const block = this.arrived.get(key)
    if (block == null) {
      return undefined
    }
    this.arrived.delete(key)
    this.aheadBytes -= block.bytes.byteLength
    this.wake?.()
    this.used(block.cid, block.bytes)
    return block.bytes
  }

  private used (cid: CID, bytes: Uint8Array): void {
    this.keep(cid, bytes)
    this.init.onUse('edge', bytes.byteLength)
  }

  /** Edges not to ask: those that failed this response, unless no other is left */
  private skip (): ReadonlySet<string> {
    return this.failed.size < this.init.edges ? this.failed : new Set()
  }

  private async fromStore (cid: CID, options: AbortOptions): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = []
    try {
      for await (const chunk of this.init.store.get(cid, options)) {
        chunks.push(chunk)
      }
    } catch {
      return undefined
    }
    const bytes = chunks.length === 1 ? chunks[0] : concat(chunks)
    if (chunks.length === 0 || !await hashMatches(cid, bytes)) {
      return undefined
    }
    this.init.onUse('cache', bytes.byteLength)
    return bytes
  }

  private async waitFor (key: string, options: AbortOptions): Promise<Uint8Array | undefined> {
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      const signals = [this.init.signal, options.signal].filter(signal => signal != null)
      const stop = (err: unknown): void => {
        clearTimeout(timer)
        signals.forEach(signal => { signal.removeEventListener('abort', onAbort) })
        this.waiters.delete(key)
        reject(err)
      }
      const onAbort = (): void => { stop(signals.find(signal => signal.aborted)?.reason) }
      // an idle timeout: blocks still coming (the CAR on its way to this one, far into a large file) keep it waiting
      const since = Date.now()
      const idle = (): void => {
        const quiet = Date.now() - Math.max(since, this.lastArrival)
        if (quiet >= this.init.timeoutMs) {
          stop(new SourceTimeoutError(`no block came within ${this.init.timeoutMs} ms`))
        } else {
          timer = setTimeout(idle, this.init.timeoutMs - quiet)
        }
      }
      let timer = setTimeout(idle, this.init.timeoutMs)
      signals.forEach(signal => { signal.addEventListener('abort', onAbort, { once: true }) })
      this.waiters.set(key, {
        resolve: bytes => {
          clearTimeout(timer)
          signals.forEach(signal => { signal.removeEventListener('abort', onAbort) })
          resolve(bytes)
        }
      })
      this.wake?.()
    })
  }

  /** Reads one CAR into the walk's hands, keeping each block; ends its waiters empty-handed when it ends. */
  private pump (query: CarQuery): void {
    this.pumped = query
    this.pumping = true
    let delivered = 0
    const run = async (): Promise<void> => {
      try {
        for await (const block of this.init.cars.fetch(query, { signal: this.init.signal, skip: this.skip(), onProgress: event => { this.noteRejection(event.type) } })) {
          delivered++
          this.lastArrival = Date.now()
          const key = keyOf(block.cid)
          const waiter = this.waiters.get(key)
          if (waiter != null) {
            this.waiters.delete(key)
            this.used(block.cid, block.bytes)
            waiter.resolve(block.bytes)
            continue
          }
          if (this.arrived.has(key)) {
            continue
          }
          this.arrived.set(key, { cid: block.cid, bytes: block.bytes })
          this.aheadBytes += block.bytes.byteLength
          while (this.aheadBytes > MAX_AHEAD_BYTES && !this.init.signal.aborted) {
            if (this.waiters.size > 0 && this.aheadBytes <= MAX_UNASKED_BYTES) break
            if (this.waiters.size > 0) throw new CarFetchError('the CAR sent what the walk did not ask for')
            if (!await this.woken()) {
              // nobody reads on (a response dropped unread): the CAR's connection is let go; a reader that
              // comes back later gets what the CAR did not bring block by block
              return
            }
          }
        }
      } catch (err) {
        // an edge that refused the CAR (a 404 for a path it could not follow) may still have the blocks the walk
        // needs to say so: only one that failed mid-CAR is not asked again (one that lied is demoted)
        if (err instanceof CarFetchError && delivered > 0) {
          err.edges.forEach(edge => this.failed.add(edge))
        }
      } finally {
        this.pumping = false
        for (const waiter of this.waiters.values()) waiter.resolve(undefined)
        this.waiters.clear()
      }
    }
    void run()
  }

  /** Until the walk takes a block or waits for one (true), or not for the request's idle timeout, or the response ends (false). */
  private async woken (): Promise<boolean> {
    return new Promise<boolean>(resolve => {
      const end = (woken: boolean): void => {
        clearTimeout(timer)
        this.init.signal.removeEventListener('abort', aborted)
        this.wake = undefined
        resolve(woken)
      }
      const aborted = (): void => { end(false) }
      const timer = setTimeout(aborted, this.init.timeoutMs)
      this.init.signal.addEventListener('abort', aborted, { once: true })
      this.wake = () => { end(true) }
    })
  }

  /** The block by itself (`?format=raw`), from an edge that has not failed this response (or any, when all have). */
  private async single (cid: CID, options: AbortOptions): Promise<Uint8Array> {
    const signal = options.signal == null ? this.init.signal : AbortSignal.any([this.init.signal, options.signal])
    try {
      for await (const block of this.init.cars.fetch({ cid, block: true }, { signal, skip: this.skip(), onProgress: event => { this.noteRejection(event.type) } })) {
        this.used(block.cid, block.bytes)
        return block.bytes
      }
    } catch (err) {
      signal.throwIfAborted()
      if (err instanceof CarFetchError) {
        err.edges.forEach(edge => this.failed.add(edge))
      }
      // an edge that answered 404 and one that could not be reached fail alike here: both are 504s, at once
      throw this.lied
        ? new VerificationError(`the edges sent bytes that did not match ${cid.toString()}`)
        : new NoProvidersError(`no edge sent ${cid.toString()}`)
    }
    throw new NoProvidersError(`no edge has ${cid.toString()}`)
  }

  private noteRejection (type: string): void {
    if (type === 'edgeway:block:rejected') {
      this.lied = true
    }
  }

  private keep (cid: CID, bytes: Uint8Array): void {
    // a store that cannot keep it (full, closed) costs this response nothing
    Promise.resolve().then(async () => this.init.store.put(cid, bytes)).catch(() => {})
  }
}

/** Blocks are addressed by multihash: a CIDv0 and a CIDv1 of the same bytes are one block. */
function keyOf (cid: CID): string {
  return String.fromCharCode(...cid.multihash.bytes)
}
