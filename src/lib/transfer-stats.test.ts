import { describe, expect, it } from 'vitest'
import { TransferStats } from './transfer-stats.ts'
import type { TransferTotals } from './types.ts'

describe('TransferStats', () => {
  it('adds up blocks and bytes by source, and what was served to other browsers', () => {
    const stats = new TransferStats()
    stats.recordUse('edge', 1, 0)
    stats.recordUse('edge', 0, 1000)
    stats.recordUse('cache', 1, 50)
    stats.recordServed(4096)
    stats.recordServed(8192, 2)
    expect(stats.snapshot()).toEqual({
      blocks: { cache: 1, edge: 1, peer: 0 },
      bytes: { cache: 50, edge: 1000, peer: 0 },
      served: { blocks: 3, bytes: 12288 }
    })
  })

  it('hands out copies, and tells subscribers of every change until they stop', () => {
    const stats = new TransferStats()
    const seen: TransferTotals[] = []
    const stop = stats.subscribe(totals => { seen.push(totals) })
    // unbound, as a peer or the content fetcher's onUse would hold them
    const { recordServed, recordUse } = stats
    recordServed(10)
    recordUse('peer', 1, 20)
    stop()
    recordServed(30)
    expect(seen.map(t => [t.served.bytes, t.bytes.peer])).toEqual([[10, 0], [10, 20]])
    const copy = stats.snapshot()
    copy.served.bytes = -1
    expect(stats.snapshot().served.bytes).toBe(40)
  })
})
