import { describe, expect, it } from 'vitest'
import { EvictionPlan, FALLBACK_BUDGET, MAX_DEFAULT_BUDGET, bytesToFree, defaultCacheBudget, parseCacheBudget } from './cache-policy.ts'

const MiB = 1024 * 1024

describe('defaultCacheBudget', () => {
  it('is half the quota, at most the cap', () => {
    expect(defaultCacheBudget({ quota: 100 * MiB })).toBe(50 * MiB)
    expect(defaultCacheBudget({ quota: 1024 * 1024 * MiB })).toBe(MAX_DEFAULT_BUDGET)
  })

  it('falls back when the browser gives no estimate', () => {
    expect(defaultCacheBudget()).toBe(FALLBACK_BUDGET)
    expect(defaultCacheBudget({})).toBe(FALLBACK_BUDGET)
    expect(defaultCacheBudget({ quota: 0 })).toBe(FALLBACK_BUDGET)
  })
})

describe('parseCacheBudget', () => {
  it('takes whole bytes, zero or more', () => {
    expect(parseCacheBudget(10 * MiB)).toBe(10 * MiB)
    expect(parseCacheBudget(1.9)).toBe(1)
    expect(parseCacheBudget(0)).toBe(0)
  })

  it('refuses anything else with a ConfigError', () => {
    for (const bad of [-1, Number.NaN, Infinity, '10', null]) {
      expect(() => parseCacheBudget(bad)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }
  })
})

describe('bytesToFree', () => {
  it('is nothing while unpinned blocks fit the budget', () => {
    expect(bytesToFree({ usedBytes: 10 * MiB, pinnedBytes: 0, budgetBytes: 10 * MiB })).toBe(0)
  })

  it('does not count pinned blocks against the budget', () => {
    expect(bytesToFree({ usedBytes: 18 * MiB, pinnedBytes: 8 * MiB, budgetBytes: 10 * MiB })).toBe(0)
  })

  it('frees down to the low-water mark once past the budget', () => {
    const toFree = bytesToFree({ usedBytes: 21 * MiB, pinnedBytes: 8 * MiB, budgetBytes: 10 * MiB })
    expect(13 * MiB - toFree).toBeLessThan(10 * MiB)
    expect(13 * MiB - toFree).toBeGreaterThanOrEqual(9 * MiB)
  })

  it('leaves room for kept whole files: they count against the same budget', () => {
    expect(bytesToFree({ usedBytes: 8 * MiB, pinnedBytes: 0, budgetBytes: 10 * MiB, keptBytes: 2 * MiB })).toBe(0)
    const toFree = bytesToFree({ usedBytes: 10 * MiB, pinnedBytes: 0, budgetBytes: 10 * MiB, keptBytes: 2 * MiB })
    expect(10 * MiB - toFree + 2 * MiB).toBeLessThan(10 * MiB)
    expect(10 * MiB - toFree + 2 * MiB).toBeGreaterThanOrEqual(9 * MiB)
  })
})

describe('EvictionPlan', () => {
  const offerAll = (plan: EvictionPlan, blocks: Array<[string, number, boolean?]>): void => {
    for (const [key, size, pinned] of blocks) {
      if (plan.done) break
      plan.offer(key, size, pinned === true)
    }
  }

  it('takes the blocks offered first (least recently used) until enough is freed', () => {
    const plan = new EvictionPlan(250, 100)
    offerAll(plan, [['a', 100], ['b', 100], ['c', 100], ['d', 100]])
    expect(plan.keys).toEqual(['a', 'b', 'c'])
    expect(plan.freed).toBe(300)
    expect(plan.done).toBe(true)
  })

  it('never takes a pinned block, however old', () => {
    const plan = new EvictionPlan(150, 100)
    offerAll(plan, [['pinned', 1000, true], ['a', 100], ['also-pinned', 100, true], ['b', 100]])
    expect(plan.keys).toEqual(['a', 'b'])
  })

  it('stops at its batch size, leaving the rest to the next pass', () => {
    const plan = new EvictionPlan(1000, 2)
    offerAll(plan, [['a', 100], ['b', 100], ['c', 100]])
    expect(plan.keys).toEqual(['a', 'b'])
    expect(plan.done).toBe(true)
    expect(plan.freed).toBeLessThan(1000)
  })

  it('takes nothing when nothing is to be freed', () => {
    const plan = new EvictionPlan(0, 100)
    expect(plan.offer('a', 100, false)).toBe(false)
    expect(plan.keys).toEqual([])
  })
})
