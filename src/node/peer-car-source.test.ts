import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { PeerCarBrokenError } from '../lib/peer-car.ts'
import { PeerCarSource } from './peer-car-source.ts'
import type { PeerCarBlocks } from './car-source.ts'

const PEER = '12D3KooWPeerThatHoldsTheFile'

async function block (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function collect<T> (source: AsyncIterable<T>, into: T[] = []): Promise<T[]> {
  for await (const item of source) into.push(item)
  return into
}

describe('PeerCarSource', () => {
  it('yields every block a peer sends, as verified peer blocks', async () => {
    const blocks = await Promise.all(['one', 'two', 'three'].map(block))
    const asked: unknown[] = []
    const fake: PeerCarBlocks = async function * (query, options) {
      asked.push({ cid: query.cid.toString(), range: query.range, root: options.root.toString() })
      for (const b of blocks) yield { ...b, from: PEER }
    }
    const source = new PeerCarSource({ blocks: fake, available: () => true })
    const root = blocks[0].cid
    const got = await collect(source.fetch({ cid: blocks[1].cid, range: { from: 0, to: 99 } }, { root }))

    expect(source.kind).toBe('peer')
    expect(source.available).toBe(true)
    expect(got.map(b => ({ cid: b.cid.toString(), source: b.source, from: b.from }))).toEqual(blocks.map(b => ({ cid: b.cid.toString(), source: 'peer', from: PEER })))
    expect(asked).toEqual([{ cid: blocks[1].cid.toString(), range: { from: 0, to: 99 }, root: root.toString() }])
  })

  it('rejects a block that does not match its CID: reported, typed, nothing of it yielded', async () => {
    const honest = await block('honest')
    const truth = await block('the truth')
    const fake: PeerCarBlocks = async function * () {
      yield { ...honest, from: PEER }
      yield { cid: truth.cid, bytes: new TextEncoder().encode('a forgery'), from: PEER }
    }
    const events: Array<{ type: string, detail: unknown }> = []
    const got: unknown[] = []
    const err = await collect(new PeerCarSource({ blocks: fake, available: () => true }).fetch({ cid: honest.cid }, {
      onProgress: (event) => { events.push({ type: event.type, detail: event.detail }) }
    }), got).catch((e: Error) => e)

    expect(got).toHaveLength(1)
    expect((err as Error).name).toBe('PeerCarLieError')
    expect((err as { peer?: string }).peer).toBe(PEER)
    expect(events).toEqual([{ type: 'edgeway:block:rejected', detail: { cid: truth.cid.toString(), from: PEER, reason: expect.any(String) } }])
  })

  it('ends with the typed error of a peer that dies mid-way, keeping what came before', async () => {
    const first = await block('first')
    const fake: PeerCarBlocks = async function * () {
      yield { ...first, from: PEER }
      throw new PeerCarBrokenError('the peer went away', PEER)
    }
    const got: unknown[] = []
    const err = await collect(new PeerCarSource({ blocks: fake, available: () => true }).fetch({ cid: first.cid }, {}), got).catch((e: Error) => e)
    expect(got).toHaveLength(1)
    expect((err as Error).name).toBe('PeerCarBrokenError')
  })

  it('stops the peer stream when the reader is cancelled, and is unavailable without a tab', async () => {
    const blocks = await Promise.all(['a', 'b', 'c', 'd'].map(block))
    let sent = 0
    let closed = false
    const fake: PeerCarBlocks = async function * (_query, options) {
      try {
        for (const b of blocks) {
          options.signal?.throwIfAborted()
          sent++
          yield { ...b, from: PEER }
        }
      } finally {
        closed = true
      }
    }
    const controller = new AbortController()
    const source = new PeerCarSource({ blocks: fake, available: () => false })
    const got: unknown[] = []
    const err = await (async () => {
      for await (const b of source.fetch({ cid: blocks[0].cid }, { signal: controller.signal })) {
        got.push(b)
        controller.abort(new Error('the reader went away'))
      }
    })().catch((e: Error) => e)

    expect(source.available).toBe(false)
    expect(got).toHaveLength(1)
    expect(sent).toBe(1)
    expect(closed).toBe(true)
    expect((err as Error).message).toBe('the reader went away')
    // a fetch that starts after the abort does not ask the peer at all
    await expect(collect(source.fetch({ cid: blocks[0].cid }, { signal: controller.signal }))).rejects.toThrow('the reader went away')
    expect(sent).toBe(1)
  })
})
