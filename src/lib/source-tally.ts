import type { BlockReceivedDetail, BlockSizeDetail, BlockSource, SourceCounts } from './types.ts'

interface AnyProgressEvent {
  type: string
  detail?: unknown
}

/**
 * Told what a response's counts grew by: a block (`blocks` 1) when it is
 * first used, and its bytes, with it or once its size is known.
 */
export type SourceUseListener = (source: BlockSource, blocks: number, bytes: number) => void

/**
 * Counts the blocks one response used, and their bytes, by source, from the
 * progress events Helia, the local store and Edgeway's brokers emit. Each
 * distinct block counts once: one fetched from the network counts for the
 * source that delivered it first, even when it is read again from the cache
 * for the same response. A block's size comes with the event that delivered
 * it or from the store's `edgeway:block:size`, before or after it is counted.
 */
export class SourceTally {
  /** Blocks, by source: what `X-Edgeway-Source` says */
  readonly counts: SourceCounts = { cache: 0, edge: 0, peer: 0 }
  /** Bytes of the counted blocks whose size is known, by source */
  readonly bytes: SourceCounts = { cache: 0, edge: 0, peer: 0 }
  /** Blocks a source sent that failed hash verification (and were thrown away) */
  rejected = 0
  private readonly firstSource = new Map<string, Exclude<BlockSource, 'cache'>>()
  /**
   * Blocks already counted (one read from the network and another from the
   * cache is one block), with their source until their bytes are counted too
   */
  private readonly counted = new Map<string, BlockSource | undefined>()
  /** Sizes seen before their block was counted */
  private readonly sizes = new Map<string, number>()
  private readonly edgePeers: Pick<ReadonlySet<string>, 'has'>
  private readonly onUse?: SourceUseListener

  /**
   * @param edgePeers - peer ids (as CID strings) of edges (configured, or providers a router listed): bitswap
   * blocks from them count as `edge`, from anyone else as `peer`
   */
  constructor (edgePeers: Pick<ReadonlySet<string>, 'has'>, onUse?: SourceUseListener) {
    this.edgePeers = edgePeers
    this.onUse = onUse
  }

  /** @returns true when the event shows a source made progress */
  record (event: AnyProgressEvent): boolean {
    switch (event.type) {
      case 'blocks:get:blockstore:get':
        this.add(String(event.detail), 'cache')
        return true
      case 'edgeway:block:received': {
        const detail = event.detail as BlockReceivedDetail
        this.remember(detail.cid, detail.source)
        this.size(detail.cid, detail.bytes)
        return true
      }
      case 'edgeway:block:delivered': {
        // a block from a CAR, used by this response (it reaches the store behind, without Helia's events)
        const detail = event.detail as BlockReceivedDetail
        this.size(detail.cid, detail.bytes)
        this.add(detail.cid, detail.source)
        return true
      }
      case 'edgeway:block:size': {
        const detail = event.detail as BlockSizeDetail
        this.size(detail.cid, detail.bytes)
        return false
      }
      case 'helia:block-broker:receive-block': {
        const detail = event.detail as { provider: { toString(): string }, cid: { toString(): string } }
        this.remember(detail.cid.toString(), this.edgePeers.has(detail.provider.toString()) ? 'edge' : 'peer')
        return true
      }
      case 'edgeway:block:rejected':
        this.rejected++
        return true
      case 'blocks:get:blockstore:put': {
        const cid = String(event.detail)
        this.add(cid, this.firstSource.get(cid) ?? 'edge')
        this.firstSource.delete(cid)
        return true
      }
      default:
        return false
    }
  }

  private remember (cid: string, source: Exclude<BlockSource, 'cache'>): void {
    if (!this.firstSource.has(cid)) {
      this.firstSource.set(cid, source)
    }
  }

  private add (cid: string, source: BlockSource): void {
    if (this.counted.has(cid)) {
      return
    }
    this.counts[source]++
    const bytes = this.sizes.get(cid)
    if (bytes == null) {
      this.counted.set(cid, source)
      this.onUse?.(source, 1, 0)
      return
    }
    this.sizes.delete(cid)
    this.counted.set(cid, undefined)
    this.bytes[source] += bytes
    this.onUse?.(source, 1, bytes)
  }

  /** A block's size: counted now if the block already is, else kept for when it is. */
  private size (cid: string, bytes: number): void {
    if (!this.counted.has(cid)) {
      this.sizes.set(cid, bytes)
      return
    }
    const source = this.counted.get(cid)
    if (source == null) {
      // its bytes are counted already
      return
    }
    this.counted.set(cid, undefined)
    this.bytes[source] += bytes
    this.onUse?.(source, 0, bytes)
  }
}

/** `cache=<n>, edge=<n>, peer=<n>`: the value of `X-Edgeway-Source` (blocks) and of `X-Edgeway-Bytes`. */
export function formatSourceHeader (counts: SourceCounts): string {
  return `cache=${counts.cache}, edge=${counts.edge}, peer=${counts.peer}`
}

export function parseSourceHeader (value: string | null): SourceCounts | null {
  const match = /^cache=(\d+), edge=(\d+), peer=(\d+)$/.exec(value ?? '')
  return match == null ? null : { cache: Number(match[1]), edge: Number(match[2]), peer: Number(match[3]) }
}
