import { describe, expect, it } from 'vitest'
import { SourceTally, formatSourceHeader, parseSourceHeader } from './source-tally.ts'

const event = (type: string, detail?: unknown): { type: string, detail?: unknown } => ({ type, detail })

describe('SourceTally', () => {
  it('counts cache hits, and each network block once for the source that delivered it first', () => {
    const seen: string[] = []
    const tally = new SourceTally(new Set(['edge-peer']), (source, blocks) => { if (blocks > 0) seen.push(source) })
    tally.record(event('blocks:get:blockstore:get', 'a'))
    tally.record(event('edgeway:block:received', { cid: 'b', source: 'edge', via: 'http', from: 'http://e', bytes: 10 }))
    tally.record(event('helia:block-broker:receive-block', { provider: 'edge-peer', cid: 'b' }))
    tally.record(event('blocks:get:blockstore:put', 'b'))
    tally.record(event('helia:block-broker:receive-block', { provider: 'some-browser', cid: 'c' }))
    tally.record(event('blocks:get:blockstore:put', 'c'))
    expect(tally.counts).toEqual({ cache: 1, edge: 1, peer: 1 })
    expect(seen).toEqual(['cache', 'edge', 'peer'])
  })

  it('counts a block once per response, even when it is read again from the cache', () => {
    const tally = new SourceTally(new Set())
    tally.record(event('edgeway:block:received', { cid: 'b', source: 'edge', via: 'http', from: 'http://e', bytes: 10 }))
    tally.record(event('blocks:get:blockstore:put', 'b'))
    tally.record(event('blocks:get:blockstore:get', 'b'))
    tally.record(event('edgeway:block:size', { cid: 'b', bytes: 10 }))
    tally.record(event('blocks:get:blockstore:get', 'a'))
    tally.record(event('edgeway:block:size', { cid: 'a', bytes: 7 }))
    tally.record(event('blocks:get:blockstore:get', 'a'))
    tally.record(event('edgeway:block:size', { cid: 'a', bytes: 7 }))
    expect(tally.counts).toEqual({ cache: 1, edge: 1, peer: 0 })
    expect(tally.bytes).toEqual({ cache: 7, edge: 10, peer: 0 })
  })

  it('counts bytes by source, whether the size comes before the block is counted or after', () => {
    const uses: Array<[string, number, number]> = []
    const tally = new SourceTally(new Set(['edge-peer']), (source, blocks, bytes) => { uses.push([source, blocks, bytes]) })
    // Helia: the event, then the store's read (size after)
    tally.record(event('blocks:get:blockstore:get', 'cached'))
    tally.record(event('edgeway:block:size', { cid: 'cached', bytes: 100 }))
    // a CAR block, its size in the event itself
    tally.record(event('edgeway:block:delivered', { cid: 'car', source: 'edge', via: 'http', from: 'http://e', bytes: 200 }))
    // bitswap from a browser: the put's size comes after the put event
    tally.record(event('helia:block-broker:receive-block', { provider: 'some-browser', cid: 'p' }))
    tally.record(event('blocks:get:blockstore:put', 'p'))
    tally.record(event('edgeway:block:size', { cid: 'p', bytes: 300 }))
    // the store read first, then the event (car-prefetch reading the store)
    tally.record(event('edgeway:block:size', { cid: 'early', bytes: 400 }))
    tally.record(event('blocks:get:blockstore:get', 'early'))
    expect(tally.counts).toEqual({ cache: 2, edge: 1, peer: 1 })
    expect(tally.bytes).toEqual({ cache: 500, edge: 200, peer: 300 })
    expect(uses).toEqual([
      ['cache', 1, 0], ['cache', 0, 100],
      ['edge', 1, 200],
      ['peer', 1, 0], ['peer', 0, 300],
      ['cache', 1, 400]
    ])
  })

  it('counts an identity block (no store read, so no size) as a block of no bytes', () => {
    const tally = new SourceTally(new Set())
    tally.record(event('blocks:get:blockstore:get', 'inline'))
    expect(tally.counts).toEqual({ cache: 1, edge: 0, peer: 0 })
    expect(tally.bytes).toEqual({ cache: 0, edge: 0, peer: 0 })
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
