import { ConfigError } from './errors.ts'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** Share of the origin's storage quota the cache takes when no budget is set. */
export const DEFAULT_QUOTA_SHARE = 0.5

/** The default budget never exceeds this, however large the quota: a gateway should not take half a disk unasked. */
export const MAX_DEFAULT_BUDGET = 4 * GiB

/** The default when the browser cannot estimate its quota. */
export const FALLBACK_BUDGET = 512 * MiB

/**
 * An eviction frees down to this share of the budget, so that a steady stream
 * of writes past the budget does not start an eviction for every batch.
 */
export const LOW_WATER = 0.95

/** The cache budget when none is set: a share of what `navigator.storage.estimate()` says the origin may use. */
export function defaultCacheBudget (estimate?: { quota?: number }): number {
  const quota = estimate?.quota
  if (quota == null || !Number.isFinite(quota) || quota <= 0) {
    return FALLBACK_BUDGET
  }
  return Math.min(Math.floor(quota * DEFAULT_QUOTA_SHARE), MAX_DEFAULT_BUDGET)
}

/** A budget from an SDK option or the page's input: whole bytes, zero or more (zero keeps only pinned blocks). */
export function parseCacheBudget (input: unknown): number {
  if (typeof input !== 'number' || !Number.isFinite(input) || input < 0) {
    throw new ConfigError('The cache budget must be a number of bytes, zero or more')
  }
  return Math.floor(input)
}

export interface StoreTotals {
  /** Bytes of every block in the store */
  usedBytes: number
  /** Bytes of the blocks some pin holds: they count against no budget */
  pinnedBytes: number
  budgetBytes: number
  /**
   * Bytes the origin keeps outside the block store against the same budget
   * (whole verified files); they are evicted by their own index, and leave
   * that much less room for blocks
   *
   * @default 0
   */
  keptBytes?: number
}

/** How many bytes of unpinned blocks to evict: none while they and kept files fit the budget, else down to its low-water mark. */
export function bytesToFree ({ usedBytes, pinnedBytes, budgetBytes, keptBytes = 0 }: StoreTotals): number {
  const cached = usedBytes - pinnedBytes + keptBytes
  if (cached <= budgetBytes) {
    return 0
  }
  return cached - Math.floor(budgetBytes * LOW_WATER)
}

/**
 * One eviction pass: blocks are offered least recently used first, and the
 * plan takes whole blocks that no pin holds until enough bytes are freed or
 * the pass has taken as many blocks as one transaction should delete.
 */
export class EvictionPlan {
  readonly keys: string[] = []
  freed = 0
  private readonly target: number
  private readonly maxBlocks: number

  constructor (bytesToFree: number, maxBlocks: number) {
    this.target = bytesToFree
    this.maxBlocks = maxBlocks
  }

  /** Whether the pass needs no more blocks. */
  get done (): boolean {
    return this.freed >= this.target || this.keys.length >= this.maxBlocks
  }

  /** Whether this block is to be evicted. */
  offer (key: string, size: number, pinned: boolean): boolean {
    if (this.done || pinned) {
      return false
    }
    this.keys.push(key)
    this.freed += size
    return true
  }
}
