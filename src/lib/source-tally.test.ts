import { describe, expect, it } from 'vitest'
import { SourceTally, formatSourceHeader, parseSourceHeader } from './source-tally.ts'

const event = (type: string, detail?: unknown): { type: string, detail?: unknown } => ({ type, detail })

describe('SourceTally', () => {
  it('counts cache hits, and each network block once for the source that delivered it first', () => {
    const seen: string[] = []
    const tally = new SourceTally(new Set(['edge-peer']), source => seen.push(source))
    tally.record(event('blocks:get:blockstore:get', 'a'))
    tally.record(event('edgeway:block:received', { cid: 'b', source: 'edge', via: 'http', from: 'http://e' }))
    tally.record(event('helia:block-broker:receive-block', { provider: 'edge-peer', cid: 'b' }))
    tally.record(event('blocks:get:blockstore:put', 'b'))
    tally.record(event('helia:block-broker:receive-block', { provider: 'some-browser', cid: 'c' }))
    tally.record(event('blocks:get:blockstore:put', 'c'))
    expect(tally.counts).toEqual({ cache: 1, edge: 1, peer: 1 })
    expect(seen).toEqual(['cache', 'edge', 'peer'])
  })

  it('counts a block once per response, even when it is read again from the cache', () => {
    const tally = new SourceTally(new Set())
    tally.record(event('edgeway:block:received', { cid: 'b', source: 'edge', via: 'http', from: 'http://e' }))
    tally.record(event('blocks:get:blockstore:put', 'b'))
    tally.record(event('blocks:get:blockstore:get', 'b'))
    tally.record(event('blocks:get:blockstore:get', 'a'))
    tally.record(event('blocks:get:blockstore:get', 'a'))
    expect(tally.counts).toEqual({ cache: 1, edge: 1, peer: 0 })
  })

  it('counts blocks thrown away for failing verification', () => {
    const tally = new SourceTally(new Set())
    expect(tally.record(event('edgeway:block:rejected', { cid: 'a', from: 'http://liar', reason: 'hash mismatch' }))).toBe(true)
    expect(tally.rejected).toBe(1)
    expect(tally.counts).toEqual({ cache: 0, edge: 0, peer: 0 })
  })

  it('reports which events are progress', () => {
    const tally = new SourceTally(new Set())
    expect(tally.record(event('verified-fetch:request:start'))).toBe(false)
    expect(tally.record(event('blocks:get:blockstore:get', 'a'))).toBe(true)
  })
})

describe('X-Edgeway-Source', () => {
  it('round-trips', () => {
    const header = formatSourceHeader({ cache: 3, edge: 2, peer: 0 })
    expect(header).toBe('cache=3, edge=2, peer=0')
    expect(parseSourceHeader(header)).toEqual({ cache: 3, edge: 2, peer: 0 })
    expect(parseSourceHeader('nonsense')).toBeNull()
  })
})
