import { describe, expect, it } from 'vitest'
import { countOf } from './count-of.ts'

describe('countOf', () => {
  it('one block, two blocks', () => {
    expect(countOf(1, 'block')).toBe('1 block')
    expect(countOf(0, 'block')).toBe('0 blocks')
    expect(countOf(2, 'browser')).toBe('2 browsers')
  })
})
