import type { BlockReceivedDetail, BlockSource, SourceCounts } from './types.ts'

interface AnyProgressEvent {
  type: string
  detail?: unknown
}

/**
 * Counts the blocks one response used, by source, from the progress events
 * Helia and Edgeway's brokers emit. Each distinct block counts once: one
 * fetched from the network counts for the source that delivered it first,
 * even when it is read again from the cache for the same response.
 */
export class SourceTally {
  readonly counts: SourceCounts = { cache: 0, edge: 0, peer: 0 }
  /** Blocks a source sent that failed hash verification (and were thrown away) */
  rejected = 0
  private readonly firstSource = new Map<string, Exclude<BlockSource, 'cache'>>()
  /** Blocks already counted: one read from the network and another from the cache is one block */
  private readonly counted = new Set<string>()
  private readonly edgePeers: ReadonlySet<string>
  private readonly onBlock?: (source: BlockSource) => void

  /**
   * @param edgePeers - peer ids (as CID strings) of configured edges: bitswap
   * blocks from them count as `edge`, from anyone else as `peer`
   */
  constructor (edgePeers: ReadonlySet<string>, onBlock?: (source: BlockSource) => void) {
    this.edgePeers = edgePeers
    this.onBlock = onBlock
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
        return true
      }
      case 'edgeway:block:delivered': {
        // a block from a CAR, used by this response (it reaches the store behind, without Helia's events)
        const detail = event.detail as BlockReceivedDetail
        this.add(detail.cid, detail.source)
        return true
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
    this.counted.add(cid)
    this.counts[source]++
    this.onBlock?.(source)
  }
}

/** `cache=<n>, edge=<n>, peer=<n>`, the value of `X-Edgeway-Source`. */
export function formatSourceHeader (counts: SourceCounts): string {
  return `cache=${counts.cache}, edge=${counts.edge}, peer=${counts.peer}`
}

export function parseSourceHeader (value: string | null): SourceCounts | null {
  const match = /^cache=(\d+), edge=(\d+), peer=(\d+)$/.exec(value ?? '')
  return match == null ? null : { cache: Number(match[1]), edge: Number(match[2]), peer: Number(match[3]) }
}
