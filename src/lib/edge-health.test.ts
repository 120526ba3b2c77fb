import { describe, expect, it } from 'vitest'
import { DEMOTE_MS, FAILING_FOR_MS, describeEdges, emptyRecord, hedgeDelayMs, mergeRecords, rankEdges, stateOf, withAnswer, withFailure, withOutpaced, withTransfer, withVerificationFailure } from './edge-health.ts'
import type { EdgeRecord } from './edge-health.ts'

const NOW = 1_000_000

function measured (key: string, ...ttfbMs: number[]): EdgeRecord {
  return ttfbMs.reduce((record, ms) => withAnswer(record, ms, NOW), emptyRecord(key, NOW))
}

function rank (records: Record<string, EdgeRecord | undefined>, now = NOW): string[] {
  return rankEdges(Object.keys(records), key => records[key], now)
}

describe('rankEdges', () => {
  it('puts the edge with the lower latency first, whatever the configured order', () => {
    expect(rank({ a: measured('a', 400, 500, 450), b: measured('b', 20, 30, 25) })).toEqual(['b', 'a'])
  })

  it('keeps the configured order when nothing is measured, and for equal scores', () => {
    expect(rank({ a: undefined, b: undefined, c: undefined })).toEqual(['a', 'b', 'c'])
    expect(rank({ a: measured('a', 50), b: measured('b', 50) })).toEqual(['a', 'b'])
  })

  it('gives an unmeasured edge the median of the measured ones: ahead of a slow edge, behind a fast one', () => {
    const records = { slow: measured('slow', 900), fresh: undefined, mid: measured('mid', 300), fast: measured('fast', 10) }
    // it ties with the median edge, and is listed before it
    expect(rank(records)).toEqual(['fast', 'fresh', 'mid', 'slow'])
  })

  it('counts a race an edge lost as at least the time it had', () => {
    let a = measured('a', 20)
    for (let i = 0; i < 3; i++) a = withOutpaced(a, 500, NOW)
    expect(rank({ a, b: measured('b', 60) })).toEqual(['b', 'a'])
  })

  it('charges slow throughput', () => {
    const thin = withTransfer(measured('thin', 20), 1024 * 1024, 10_000, NOW)
    const wide = withTransfer(measured('wide', 30), 1024 * 1024, 50, NOW)
    expect(rank({ thin, wide })).toEqual(['wide', 'thin'])
  })

  it('asks failing edges after the others, and gives them another chance later', () => {
    const down = withFailure(withFailure(measured('down', 5), NOW), NOW)
    expect(rank({ down, up: measured('up', 200) })).toEqual(['up', 'down'])
    expect(stateOf(down, NOW)).toBe('failing')
    expect(rank({ down, up: measured('up', 200) }, NOW + FAILING_FOR_MS + 1)).toEqual(['down', 'up'])
    expect(stateOf(down, NOW + FAILING_FOR_MS + 1)).toBe('ok')
    // an answer clears the failures
    expect(rank({ down: withAnswer(down, 5, NOW), up: measured('up', 200) })).toEqual(['down', 'up'])
  })

  it('puts an edge that lied last at once, for an hour, even when it is the fastest', () => {
    const liar = withVerificationFailure(measured('liar', 1), NOW)
    const down = withFailure(withFailure(measured('down', 5), NOW), NOW)
    expect(rank({ liar, down, slow: measured('slow', 3000) })).toEqual(['slow', 'down', 'liar'])
    expect(stateOf(liar, NOW + DEMOTE_MS - 1)).toBe('demoted')
    expect(stateOf(liar, NOW + DEMOTE_MS + 1)).toBe('ok')
  })
})

describe('hedgeDelayMs', () => {
  it('follows the edge\'s own p90 time to first byte, within a floor and a ceiling', () => {
    const samples = [40, 42, 45, 50, 48, 41, 44, 43, 47, 300]
    expect(hedgeDelayMs(measured('a', ...samples), { floorMs: 10 })).toBe(Math.round(50 * 1.5))
    expect(hedgeDelayMs(measured('a', ...samples), { floorMs: 100 })).toBe(100)
    expect(hedgeDelayMs(measured('a', 400, 420, 410))).toBe(630)
    expect(hedgeDelayMs(measured('a', 9000))).toBe(2000)
    expect(hedgeDelayMs(undefined)).toBe(500)
    expect(hedgeDelayMs(emptyRecord('a', NOW), { unmeasuredMs: 250 })).toBe(250)
  })
})

describe('describeEdges', () => {
  it('lists edges in the order they are asked, with state and measurements', () => {
    const records: Record<string, EdgeRecord> = {
      far: measured('far', 800, 900),
      near: withTransfer(measured('near', 10, 12), 512 * 1024, 100, NOW),
      liar: withVerificationFailure(measured('liar', 5), NOW)
    }
    const views = describeEdges(['far', 'near', 'liar', 'new'], key => records[key], NOW)
    expect(views.map(v => [v.key, v.state, v.configIndex])).toEqual([
      ['near', 'ok', 1], ['new', 'unmeasured', 3], ['far', 'slow', 0], ['liar', 'demoted', 2]
    ])
    expect(views[0].latencyMs).toBe(10)
    expect(views[0].bytesPerSecond).toBe(512 * 1024 * 10)
    expect(views[3].demotedUntil).toBe(NOW + DEMOTE_MS)
  })
})

describe('mergeRecords', () => {
  it('never loses a demotion another writer stored', () => {
    const stored = withVerificationFailure(measured('a', 5), NOW)
    const mine = measured('a', 5, 6, 7)
    const merged = mergeRecords(mine, stored)
    expect(merged.demotedUntil).toBe(NOW + DEMOTE_MS)
    expect(merged.ttfbMs).toEqual([5, 6, 7])
  })
})
