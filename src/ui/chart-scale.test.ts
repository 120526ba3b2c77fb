import { describe, expect, it } from 'vitest'
import { agoLabel, niceCeil } from './chart-scale.ts'

describe('niceCeil', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeil(0)).toBe(1)
    expect(niceCeil(Number.NaN)).toBe(1)
    expect(niceCeil(0.3)).toBeCloseTo(0.5)
    expect(niceCeil(1)).toBe(1)
    expect(niceCeil(7)).toBe(10)
    expect(niceCeil(13)).toBe(20)
    expect(niceCeil(420)).toBe(500)
  })

  it('for bytes, in steps of the binary unit the label is written in', () => {
    expect(niceCeil(900, { binary: true })).toBe(1000)
    expect(niceCeil(1500, { binary: true })).toBe(2 * 1024)
    expect(niceCeil(3 * 1024 * 1024, { binary: true })).toBe(5 * 1024 * 1024)
    expect(niceCeil(1024 * 1024, { binary: true })).toBe(1024 * 1024)
  })
})

describe('agoLabel', () => {
  it('say how long ago in seconds, then minutes', () => {
    expect(agoLabel(60_000)).toBe('60 s ago')
    expect(agoLabel(300_000)).toBe('5 min ago')
  })
})
