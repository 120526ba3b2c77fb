import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { EdgeMisses } from './edge-misses.ts'
import { TabBridgeBroker } from './tab-bridge-broker.ts'
import type { TabBlockSource } from './tab-bridge-broker.ts'

const TRUTH = new TextEncoder().encode('a block only another browser has')
const EDGE = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

function tab (bytes: Uint8Array, from = '12D3KooWPeer'): TabBlockSource & { asked: number } {
  const source = {
    asked: 0,
    async request () {
      source.asked++
      return { bytes, from }
    }
  }
  return source
}

describe('TabBridgeBroker', () => {
  it('returns a tab\'s block once its hash matches, as a block from a peer', async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    const events: Array<{ type: string, detail: unknown }> = []
    const broker = new TabBridgeBroker({ tabs: tab(TRUTH), edgePeerIds: new Set([EDGE]), delayMs: 0 })
    expect(await broker.retrieve(cid, { onProgress: (event) => { events.push(event) } })).toEqual(TRUTH)
    expect(events).toEqual([expect.objectContaining({ type: 'edgeway:block:received', detail: expect.objectContaining({ source: 'peer', via: 'bridge' }) })])
  })

  it('rejects bytes that are not the block, even from its own tab, and says so', async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    const events: Array<{ type: string }> = []
    const broker = new TabBridgeBroker({ tabs: tab(new TextEncoder().encode('forged')), edgePeerIds: new Set(), delayMs: 0 })
    await expect(broker.retrieve(cid, { onProgress: (event) => { events.push(event) } })).rejects.toMatchObject({ name: 'TabBlockRejectedError' })
    expect(events.map(e => e.type)).toEqual(['edgeway:block:rejected'])
  })

  it('counts a block the tab got from an edge as the edge\'s', async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    const sources: unknown[] = []
    const broker = new TabBridgeBroker({ tabs: tab(TRUTH, EDGE), edgePeerIds: new Set([EDGE]), delayMs: 0 })
    await broker.retrieve(cid, { onProgress: (event) => { sources.push((event.detail as { source: string }).source) } })
    expect(sources).toEqual(['edge'])
  })

  it('gives the edges a head start, and asks nothing when the request is given up first', async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    const source = tab(TRUTH)
    const broker = new TabBridgeBroker({ tabs: source, edgePeerIds: new Set(), delayMs: 200 })
    await expect(broker.retrieve(cid, { signal: AbortSignal.timeout(50) })).rejects.toThrow()
    expect(source.asked).toBe(0)
    const started = Date.now()
    await broker.retrieve(cid)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    // content only peers have: once the tab delivered, the next block is asked of it at once
    const again = Date.now()
    await broker.retrieve(cid)
    expect(Date.now() - again).toBeLessThan(150)
  })

  it('asks the tab as soon as the edges said they do not have the block', async () => {
    const cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    const edgeMisses = new EdgeMisses()
    const broker = new TabBridgeBroker({ tabs: tab(TRUTH), edgePeerIds: new Set(), edgeMisses, delayMs: 5_000 })
    const started = Date.now()
    setTimeout(() => { edgeMisses.record(cid) }, 50)
    await broker.retrieve(cid)
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
