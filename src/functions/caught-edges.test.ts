import { describe, expect, it } from 'vitest'
import { CaughtEdges } from './caught-edges.ts'

describe('CaughtEdges', () => {
  it('marks an edge for one function, for a while, and holds a bounded number of marks', async () => {
    const caught = new CaughtEdges({ max: 3 })
    caught.note('cid-a', 'http://edge-1')
    expect(caught.has('cid-a', 'http://edge-1')).toBe(true)
    expect(caught.has('cid-b', 'http://edge-1')).toBe(false)
    for (let i = 0; i < 10; i++) caught.note(`cid-${i}`, 'http://edge-2')
    expect(caught.size).toBe(3)
    // the oldest marks went first
    expect(caught.has('cid-a', 'http://edge-1')).toBe(false)
    expect(caught.has('cid-9', 'http://edge-2')).toBe(true)

    const brief = new CaughtEdges({ ttlMs: -1 })
    brief.note('cid-a', 'http://edge-1')
    expect(brief.has('cid-a', 'http://edge-1')).toBe(false)
    expect(brief.size).toBe(0)
  })
})
