import type { BlockSource, TransferTotals } from './types.ts'

/**
 * One browser's running totals: blocks and bytes used by source, and what its
 * peer served to other browsers. Held by whoever owns them (an SDK client,
 * the gateway page) and handed to the parts that move blocks; never a
 * module-level singleton.
 */
export class TransferStats {
  private readonly totals: TransferTotals = {
    blocks: { cache: 0, edge: 0, peer: 0 },
    bytes: { cache: 0, edge: 0, peer: 0 },
    served: { blocks: 0, bytes: 0 }
  }

  private readonly listeners = new Set<(totals: TransferTotals) => void>()

  /** Blocks (and their bytes) a response used from `source`: a `SourceUseListener` for the content fetcher's `onUse` */
  readonly recordUse = (source: BlockSource, blocks: number, bytes: number): void => {
    this.totals.blocks[source] += blocks
    this.totals.bytes[source] += bytes
    this.changed()
  }

  /**
   * A block this browser sent to another browser: the in-tab peer calls this
   * once per block it answers a request with, after sending it.
   */
  readonly recordServed = (bytes: number, blocks = 1): void => {
    this.totals.served.blocks += blocks
    this.totals.served.bytes += bytes
    this.changed()
  }

  /** A copy of the totals now */
  snapshot (): TransferTotals {
    return {
      blocks: { ...this.totals.blocks },
      bytes: { ...this.totals.bytes },
      served: { ...this.totals.served }
    }
  }

  /** Calls `listener` with the totals after every change; returns the function that stops it. */
  subscribe (listener: (totals: TransferTotals) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private changed (): void {
    if (this.listeners.size === 0) return
    const totals = this.snapshot()
    for (const listener of this.listeners) {
      listener(totals)
    }
  }
}
