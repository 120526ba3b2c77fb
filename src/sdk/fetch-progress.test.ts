import { describe, expect, it } from 'vitest'
import { progressCounter } from './fetch-progress.ts'
import type { FetchProgress } from './fetch-progress.ts'

describe('progressCounter', () => {
  it('reports running totals for one response, by source', () => {
    const seen: FetchProgress[] = []
    const use = progressCounter(progress => { seen.push(progress) })
    use('cache', 1, 100)
    use('edge', 2, 300)
    use('edge', 0, 50)
    expect(seen.map(p => [p.source, p.blocks, p.bytes])).toEqual([['cache', 1, 100], ['edge', 3, 400], ['edge', 3, 450]])
    expect(seen[2].bytesBySource).toEqual({ cache: 100, edge: 350, peer: 0 })
    // each report is a copy: a listener that keeps one sees it unchanged
    expect(seen[0].bytesBySource).toEqual({ cache: 100, edge: 0, peer: 0 })
  })

  it('a listener that throws does not stop the counting', () => {
    const bytes: number[] = []
    const use = progressCounter(progress => {
      bytes.push(progress.bytes)
      throw new Error('the dApp\'s bug')
    })
    expect(() => { use('peer', 1, 10); use('peer', 1, 20) }).not.toThrow()
    expect(bytes).toEqual([10, 30])
  })
})
