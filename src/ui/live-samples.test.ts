import { describe, expect, it } from 'vitest'
import { MAX_SAMPLES, SampleRing, edgeSeries, sampleSeries, trafficSeries } from './live-samples.ts'
import type { Sample } from './live-samples.ts'

const bytes = (edge: number, cache = 0, peer = 0, served = 0): Sample['bytes'] => ({ cache, edge, peer, served })
const sample = (at: number, extra: Partial<Sample> = {}): Sample => ({ at, edges: [], ...extra })

describe('SampleRing', () => {
  it('keeps the newest samples up to its capacity, oldest first', () => {
    const ring = new SampleRing(3)
    for (let at = 1; at <= 5; at++) ring.push(sample(at))
    expect(ring.samples().map(s => s.at)).toEqual([3, 4, 5])
    expect(ring.latest()?.at).toBe(5)
  })

  it('holds five minutes at one sample a second by default, and no more', () => {
    const ring = new SampleRing()
    for (let at = 0; at < MAX_SAMPLES + 50; at++) ring.push(sample(at * 1000))
    expect(MAX_SAMPLES).toBe(300)
    expect(ring.samples()).toHaveLength(MAX_SAMPLES)
    expect(ring.samples()[0].at).toBe(50_000)
  })
})

describe('trafficSeries', () => {
  it('turns running totals into bytes per second, and sums what moved in the window', () => {
    const { rates, totals } = trafficSeries([
      sample(0, { bytes: bytes(1000, 10), swStartedAt: 1 }),
      sample(1000, { bytes: bytes(3000, 10), swStartedAt: 1 }),
      sample(3000, { bytes: bytes(7000, 50, 0, 8), swStartedAt: 1 })
    ])
    expect(rates.edge.map(p => p.value)).toEqual([2000, 2000])
    expect(rates.cache.map(p => p.value)).toEqual([0, 20])
    expect(rates.served.map(p => p.value)).toEqual([0, 4])
    // what the SW had counted before the first sample is not in the window
    expect(totals).toEqual({ edge: 6000, cache: 40, peer: 0, served: 8 })
  })

  it('a SW that restarted counts from zero: its new totals are what moved since, never a negative rate', () => {
    const { rates, totals } = trafficSeries([
      sample(0, { bytes: bytes(5000), swStartedAt: 1 }),
      sample(1000, { bytes: bytes(300), swStartedAt: 2 }),
      sample(2000, { bytes: bytes(700), swStartedAt: 2 })
    ])
    expect(rates.edge.map(p => p.value)).toEqual([300, 400])
    expect(totals.edge).toBe(700)
  })

  it('no totals (no SW in control yet) is a gap, and the first totals after it are the baseline', () => {
    const { rates, totals } = trafficSeries([
      sample(0),
      sample(1000, { bytes: bytes(9000), swStartedAt: 1 }),
      sample(2000, { bytes: bytes(9500), swStartedAt: 1 })
    ])
    expect(rates.edge).toEqual([{ at: 1000, value: 0 }, { at: 2000, value: 500 }])
    expect(totals.edge).toBe(500)
    expect(trafficSeries([sample(0), sample(1000, { bytes: bytes(9000) })]).since).toBe(1000)
    expect(trafficSeries([sample(0)]).since).toBeUndefined()
    expect(trafficSeries([sample(0, { bytes: bytes(1) }), sample(1000)]).rates.edge).toEqual([{ at: 1000 }])
  })
})

describe('edgeSeries and sampleSeries', () => {
  it('one series per edge, with gaps where it was absent or unmeasured', () => {
    const series = edgeSeries([
      sample(0, { edges: [{ key: 'a', latencyMs: 10 }] }),
      sample(1000, { edges: [{ key: 'a', latencyMs: 12 }, { key: 'b' }] }),
      sample(2000, { edges: [{ key: 'b', latencyMs: 40 }] })
    ], 'latencyMs')
    expect([...series.keys()]).toEqual(['a', 'b'])
    expect(series.get('a')?.map(p => p.value)).toEqual([10, 12, undefined])
    expect(series.get('b')?.map(p => p.value)).toEqual([undefined, undefined, 40])
  })

  it('reads one number per sample', () => {
    expect(sampleSeries([sample(0, { peers: 2 }), sample(1000)], s => s.peers)).toEqual([{ at: 0, value: 2 }, { at: 1000, value: undefined }])
  })
})
