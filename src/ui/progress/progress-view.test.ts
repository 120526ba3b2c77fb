import { describe, expect, it } from 'vitest'
import { describeSources } from './progress-view.ts'

describe('describeSources', () => {
  it('names the sources that gave anything, and says so when none has yet', () => {
    expect(describeSources({ cache: 0, edge: 0, peer: 0 })).toBe('no source has answered yet')
    expect(describeSources({ cache: 0, edge: 2048, peer: 0 })).toMatch(/^from edges 2(\.0)? KiB$/)
    expect(describeSources({ cache: 1024, edge: 0, peer: 3 })).toMatch(/^from this browser's store .+ · other browsers .+$/)
  })
})
