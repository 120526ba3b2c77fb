import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { FunctionModules } from '../node/function-modules.ts'

const KiB = 1024

async function stored (blockstore: MemoryBlockstore, text: string): Promise<CID> {
  const bytes = new TextEncoder().encode(text)
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  await blockstore.put(cid, bytes)
  return cid
}

describe('FunctionModules', () => {
  it('reads a module once for the callers that ask for it together, and keeps what fits after them', async () => {
    const blockstore = new MemoryBlockstore()
    const reads: string[] = []
    const get = blockstore.get.bind(blockstore)
    blockstore.get = (cid, options) => { reads.push(cid.toString()); return get(cid, options) }
    // four modules of ~3 KiB in a 10 KiB cache: three fit
    const sources = ['a', 'b', 'c', 'd'].map(name => `export default async () => new Response("${name}")\n//${'x'.repeat(3 * KiB)}`)
    const [first, ...others] = await Promise.all(sources.map(async source => stored(blockstore, source)))
    const modules = new FunctionModules(blockstore, { maxModuleBytes: 8 * KiB, cacheBytes: 10 * KiB })

    const loaded = await Promise.all(Array.from({ length: 20 }, async () => modules.load(first)))
    expect(new Set(loaded)).toEqual(new Set([sources[0]]))
    expect(reads.filter(cid => cid === first.toString())).toHaveLength(1)
    expect(modules.cached(first)).toBe(sources[0])

    // the next two fit beside it; the third pushes the least recently used out
    await modules.load(others[0])
    await modules.load(others[1])
    expect([first, ...others.slice(0, 2)].map(cid => modules.cached(cid))).toEqual(sources.slice(0, 3))
    await modules.load(others[2])
    expect(modules.cached(first)).toBeUndefined()
    expect(others.map(cid => modules.cached(cid))).toEqual(sources.slice(1))
  })
})
