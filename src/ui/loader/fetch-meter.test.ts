import { describe, expect, it } from 'vitest'
import { FetchMeter } from './fetch-meter.ts'

describe('FetchMeter', () => {
  it('counts bytes and says no rate until the samples span some time', () => {
    const meter = new FetchMeter()
    meter.add(1024, 0)
    meter.add(1024, 50)
    expect(meter.bytes).toBe(2048)
    expect(meter.rate()).toBe(0)
    expect(meter.describe()).toBe('2.0 KiB so far')
  })

  it('measures the rate over the recent window, so a slower source shows at once', () => {
    const meter = new FetchMeter()
    for (let t = 0; t <= 10_000; t += 500) meter.add(t < 5_000 ? 1024 * 1024 : 1024, t)
    // the last three seconds came at 1 KiB per 500 ms
    expect(meter.rate()).toBe(2048)
    expect(meter.describe()).toMatch(/^10\.0 MiB so far, 2\.0 KiB\/s$/)
  })
})
