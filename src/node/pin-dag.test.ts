import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { blockKey } from './local-store-schema.ts'
import { pinDag } from './pin-dag.ts'
import type { LocalCache } from './local-cache.ts'
import type { PinDagComponents } from './pin-dag.ts'
import type { CodecLoader } from '@helia/interface'
import type { PinInfo } from '../lib/types.ts'

const getCodec = (async (code: number) => {
  if (code === dagCbor.code) return dagCbor
  if (code === raw.code) return raw
  throw new Error(`no codec ${code}`)
}) as CodecLoader

async function bytesOf (store: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.get(cid)) chunks.push(chunk)
  return chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks))
}

async function put (store: MemoryBlockstore, bytes: Uint8Array, codec: number): Promise<CID> {
  const cid = CID.createV1(codec, await sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

/** root → [a, b, inline]; a → [leaf1, shared]; b → [shared, leaf2]: seven stored blocks, one shared, one inline. */
async function makeDag (): Promise<{ source: MemoryBlockstore, root: CID, all: CID[] }> {
  const source = new MemoryBlockstore()
  const leaf = async (text: string): Promise<CID> => put(source, new TextEncoder().encode(text), raw.code)
  const [leaf1, leaf2, shared] = [await leaf('leaf 1'), await leaf('leaf 2'), await leaf('shared')]
  const a = await put(source, dagCbor.encode({ links: [leaf1, shared] }), dagCbor.code)
  const b = await put(source, dagCbor.encode({ links: [shared, leaf2] }), dagCbor.code)
  const inlineBytes = dagCbor.encode({ note: 'small enough to live in its CID' })
  const inline = CID.createV1(dagCbor.code, identity.digest(inlineBytes))
  const root = await put(source, dagCbor.encode({ children: { a, b }, inline }), dagCbor.code)
  return { source, root, all: [root, a, b, leaf1, leaf2, shared] }
}

/**
 * A LocalCache over an in-memory "local store", checking the invariant: no
 * block is read (fetched) before the pin protects it.
 */
function fakeCache (local: MemoryBlockstore): LocalCache & { protectedKeys: Set<string>, removed: boolean } {
  const protectedKeys = new Set<string>()
  let info: PinInfo | undefined
  const cache = {
    protectedKeys,
    removed: false,
    async startPin (root: CID) { info = { cid: root.toString(), blocks: 0, bytes: 0, pinnedAt: 1, complete: false } },
    async protect (_root: CID, blocks: CID[]) {
      if (cache.removed) return false
      blocks.forEach(cid => protectedKeys.add(blockKey(cid)))
      return true
    },
    async missing (blocks: CID[]) {
      const present = await Promise.all(blocks.map(async cid => local.has(cid)))
      return blocks.filter((_, i) => !present[i])
    },
    async finishPin () {
      if (cache.removed || info == null) return undefined
      return { ...info, blocks: protectedKeys.size, complete: true }
    },
    async unpin () { cache.removed = true; return true },
    async usage () { throw new Error('not used') },
    async setBudget () {},
    async listPins () { return info == null ? [] : [info] },
    async flush () {}
  }
  return cache
}

/** The node's blockstore as pinning sees it: reads fetch from `source` and store in `local`, like Helia over the edges. */
function nodeBlockstore (source: MemoryBlockstore, local: MemoryBlockstore, cache: { protectedKeys: Set<string> }, reads: string[]): PinDagComponents['blockstore'] {
  return {
    async * get (cid: CID) {
      if (!cache.protectedKeys.has(blockKey(cid))) {
        throw new Error(`${cid} was fetched before it was protected`)
      }
      reads.push(cid.toString())
      const bytes = await bytesOf(source, cid)
      await local.put(cid, bytes)
      yield bytes
    },
    async put (cid: CID, bytes: Uint8Array) { await local.put(cid, bytes); return cid }
  } as unknown as PinDagComponents['blockstore']
}

describe('pinDag', () => {
  it('protects every block before it is fetched, reads each once, and skips inline blocks', async () => {
    const { source, root, all } = await makeDag()
    const local = new MemoryBlockstore()
    const cache = fakeCache(local)
    const reads: string[] = []
    const progress: number[] = []
    const pin = await pinDag({ blockstore: nodeBlockstore(source, local, cache, reads), getCodec, cache, flush: async () => {} }, root, {
      onProgress: event => { progress.push(event.detail.blocks) }
    })
    expect(pin.complete).toBe(true)
    expect([...cache.protectedKeys].sort()).toEqual(all.map(blockKey).sort())
    expect(reads.sort()).toEqual(all.map(String).sort())
    expect(progress.at(-1)).toBe(all.length + 1)
  })

  it('stores again a block that is missing from the store once pinning has read it', async () => {
    const { source, root } = await makeDag()
    const local = new MemoryBlockstore()
    const cache = fakeCache(local)
    const blockstore = nodeBlockstore(source, local, cache, [])
    // the node answers this block from memory without writing it (as a block it checked earlier would be)
    const remembered = blockstore.get.bind(blockstore)
    let skipped: CID | undefined
    blockstore.get = async function * (cid, options) {
      if (skipped == null && cid.code === raw.code) {
        skipped = cid
        yield await bytesOf(source, cid)
        return
      }
      yield * remembered(cid, options)
    } as typeof blockstore.get
    const pin = await pinDag({ blockstore, getCodec, cache, flush: async () => {} }, root)
    expect(pin.complete).toBe(true)
    expect(await local.has(skipped!)).toBe(true)
  })

  it('fails with PinIncompleteError when blocks cannot be kept', async () => {
    const { source, root } = await makeDag()
    const local = new MemoryBlockstore()
    const cache = fakeCache(local)
    const blockstore = {
      async * get (cid: CID) { yield await bytesOf(source, cid) },
      async put (cid: CID) { return cid }
    } as unknown as PinDagComponents['blockstore']
    await expect(pinDag({ blockstore, getCodec, cache, flush: async () => {} }, root)).rejects.toMatchObject({ name: 'PinIncompleteError' })
  })

  it('stops with PinRemovedError when unpinned while pinning', async () => {
    const { source, root } = await makeDag()
    const local = new MemoryBlockstore()
    const cache = fakeCache(local)
    const reads: string[] = []
    const blockstore = nodeBlockstore(source, local, cache, reads)
    const pinning = pinDag({ blockstore, getCodec, cache, flush: async () => {} }, root, {
      onProgress: () => { void cache.unpin(CID.parse(root.toString())) }
    })
    await expect(pinning).rejects.toMatchObject({ name: 'PinRemovedError' })
    expect(reads.length).toBe(1)
  })
})
