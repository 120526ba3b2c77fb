/**
 * CarBlocks with a CAR that comes slowly: a wait is an idle timeout (no
 * block at all for that long), not a limit on how long one block may take
 * to reach the front of a large file.
 */
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { CarBlocks } from './car-blocks.ts'
import type { CarBlock, EdgeCarFetcher } from '../../node/edge-car-fetcher.ts'

async function rawBlock (i: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(`block ${i}`)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** An edge whose CAR brings one block every `everyMs` */
function slowCars (blocks: Array<{ cid: CID, bytes: Uint8Array }>, everyMs: number): EdgeCarFetcher {
  return {
    async * fetch (): AsyncGenerator<CarBlock> {
      for (const block of blocks) {
        await new Promise(resolve => setTimeout(resolve, everyMs))
        yield { ...block, from: 'http://slow.edge' }
      }
    }
  } as unknown as EdgeCarFetcher
}

describe('CarBlocks', () => {
  it('waits for a block far into a slow CAR while blocks keep coming, and times out once none do', async () => {
    const blocks = await Promise.all(Array.from({ length: 12 }, async (_, i) => rawBlock(i)))
    const last = blocks[11]
    const used: string[] = []
    const carBlocks = new CarBlocks({
      cars: slowCars(blocks.slice(0, 12), 40),
      edges: 1,
      store: new MemoryBlockstore(),
      timeoutMs: 150,
      signal: new AbortController().signal,
      onUse: source => { used.push(source) }
    })
    carBlocks.aim({ cid: blocks[0].cid })
    // ~480 ms away, three times the idle timeout: blocks arrive every 40 ms all along
    expect(await carBlocks.block(last.cid)).toEqual(last.bytes)
    // the blocks before it came ahead of the walk, and are there when it asks
    expect(await carBlocks.block(blocks[3].cid)).toEqual(blocks[3].bytes)
    expect(used).toEqual(['edge', 'edge'])

    const absent = await rawBlock(99)
    const stalled = new CarBlocks({
      cars: slowCars([...blocks, absent].slice(0, 2), 400),
      edges: 1,
      store: new MemoryBlockstore(),
      timeoutMs: 150,
      signal: new AbortController().signal,
      onUse: () => {}
    })
    stalled.aim({ cid: blocks[0].cid })
    await expect(stalled.block(absent.cid)).rejects.toMatchObject({ name: 'SourceTimeoutError' })
  })

  it('answers every ask for a block the walk names twice at once from one read', async () => {
    const [a, b] = await Promise.all([rawBlock(1), rawBlock(2)])
    const carBlocks = new CarBlocks({
      cars: slowCars([b, a], 20),
      edges: 1,
      store: new MemoryBlockstore(),
      timeoutMs: 1_000,
      signal: new AbortController().signal,
      onUse: () => {}
    })
    carBlocks.aim({ cid: b.cid })
    const asks = await Promise.all([carBlocks.block(a.cid), carBlocks.block(a.cid), carBlocks.block(b.cid), carBlocks.block(a.cid)])
    expect(asks).toEqual([a.bytes, a.bytes, b.bytes, a.bytes])
    // and once more after: from what the walk took lately
    expect(await carBlocks.block(a.cid)).toEqual(a.bytes)
  })
})
