import { logger } from '@libp2p/logger'
import { describeEdges, emptyRecord, hedgeDelayMs, isDemoted, rankEdges, withAnswer, withFailure, withOutpaced, withTransfer, withVerificationFailure } from '../lib/edge-health.ts'
import { loadHealth, saveHealth } from './edge-store.ts'
import type { EdgeHealthView, EdgeRecord } from '../lib/edge-health.ts'
import type { EdgeDb } from './edge-store.ts'
import type { AbortOptions } from '@libp2p/interface'

/** Where measurements outlive the SW: IndexedDB in browsers, nothing in tests. */
export interface HealthPersistence {
  load(options?: AbortOptions): Promise<EdgeRecord[]>
  save(records: EdgeRecord[], options?: AbortOptions): Promise<void>
}

export interface EdgeHealthInit {
  persistence?: HealthPersistence
  /**
   * Measurements are written this long after the first one not yet written,
   * together: never one write per block
   *
   * @default 2000
   */
  flushDelayMs?: number
  /** @default Date.now */
  now?(): number
  /**
   * Most edges measured at once; past it, the record updated least recently
   * is forgotten (a demoted one last). For sources someone else names
   * (providers a router lists), whose number input could grow.
   *
   * @default Infinity
   */
  maxRecords?: number
}

/**
 * The live measurements of the edges one SW (or SDK client) fetches from:
 * loaded from IndexedDB on start, updated in memory as requests finish,
 * written back in batches. A demotion is written at once: the browser may
 * stop the SW any moment, and a lying edge must stay demoted after that.
 */
export class EdgeHealth {
  private readonly records = new Map<string, EdgeRecord>()
  private readonly dirty = new Set<string>()
  private readonly persistence?: HealthPersistence
  private readonly flushDelayMs: number
  private readonly now: () => number
  private readonly maxRecords: number
  private readonly log = logger('edgeway:edge-health')
  private loading?: Promise<void>
  private timer?: ReturnType<typeof setTimeout>
  private saving: Promise<void> = Promise.resolve()

  constructor (init: EdgeHealthInit = {}) {
    this.persistence = init.persistence
    this.flushDelayMs = init.flushDelayMs ?? 2_000
    this.now = init.now ?? Date.now
    this.maxRecords = init.maxRecords ?? Infinity
  }

  /** Reads what was stored (once; later calls wait for the same read). Never rejects: without a store, measuring starts afresh. */
  async load (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.loading ??= (async () => {
      try {
        for (const stored of await this.persistence?.load() ?? []) {
          // what this instance measured before the read finished is newer
          if (!this.records.has(stored.key)) this.records.set(stored.key, stored)
        }
      } catch (err) {
        this.log.error('could not read edge measurements - %e', err)
      }
    })()
    await this.loading
  }

  record (key: string): EdgeRecord | undefined {
    return this.records.get(key)
  }

  answered (key: string, ttfbMs: number): void {
    this.update(key, record => withAnswer(record, ttfbMs, this.now()))
  }

  /** Another edge won while this one had not answered in `elapsedMs` */
  outpaced (key: string, elapsedMs: number): void {
    this.update(key, record => withOutpaced(record, elapsedMs, this.now()))
  }

  transferred (key: string, bytes: number, ms: number): void {
    this.update(key, record => withTransfer(record, bytes, ms, this.now()))
  }

  failed (key: string): void {
    this.update(key, record => withFailure(record, this.now()))
  }

  /** The edge sent a block that failed verification */
  lied (key: string): void {
    this.update(key, record => withVerificationFailure(record, this.now()))
    void this.flush()
  }

  isDemoted (key: string): boolean {
    return isDemoted(this.records.get(key), this.now())
  }

  rank<T> (edges: readonly T[], keyOf: (edge: T) => string): T[] {
    return rankEdges(edges, edge => this.records.get(keyOf(edge)), this.now())
  }

  hedgeDelayMs (key: string): number {
    return hedgeDelayMs(this.records.get(key))
  }

  describe (keys: readonly string[]): EdgeHealthView[] {
    return describeEdges(keys, key => this.records.get(key), this.now())
  }

  /** Writes what changed; resolves when it is written (or failed to be). */
  async flush (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    clearTimeout(this.timer)
    this.timer = undefined
    const changed = [...this.dirty].flatMap(key => this.records.get(key) ?? [])
    this.dirty.clear()
    const persistence = this.persistence
    if (changed.length === 0 || persistence == null) {
      return this.saving
    }
    // one write at a time, in order: a later record of an edge never lands before an earlier one
    this.saving = this.saving.then(async () => persistence.save(changed)).catch(err => {
      this.log.error('could not write edge measurements - %e', err)
    })
    return this.saving
  }

  private update (key: string, change: (record: EdgeRecord) => EdgeRecord): void {
    const record = change(this.records.get(key) ?? emptyRecord(key, this.now()))
    // the map's order is the order of updates: the first entry is the least recently updated
    this.records.delete(key)
    this.records.set(key, record)
    if (this.records.size > this.maxRecords) {
      const now = this.now()
      const others = [...this.records.values()].filter(candidate => candidate.key !== key)
      const oldest = others.find(candidate => !isDemoted(candidate, now)) ?? others[0]
      this.records.delete(oldest.key)
      this.dirty.delete(oldest.key)
    }
    this.dirty.add(key)
    if (this.persistence != null && this.timer == null) {
      this.timer = setTimeout(() => { void this.flush() }, this.flushDelayMs)
    }
  }
}

/** Measurements kept in the origin's edge database. */
export function idbHealthPersistence (db: () => Promise<EdgeDb>): HealthPersistence {
  return {
    load: async options => loadHealth(await db(), options),
    save: async (records, options) => { await saveHealth(await db(), records, options) }
  }
}
