import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { DirectoryCache } from './directory-links.ts'
import { throughDirectories } from './steps/resolve-file.ts'
import type { ReadableBlocks } from './car-prefetch.ts'

/** A store that counts reads, each answered after a turn of the event loop (as IndexedDB or an edge would). */
function counting (store: MemoryBlockstore): ReadableBlocks & { reads: number } {
  const blocks = {
    reads: 0,
    has: async (cid: CID) => store.has(cid),
    async * get (cid: CID) {
      blocks.reads++
      await new Promise(resolve => setTimeout(resolve, 1))
      yield * store.get(cid)
    }
  }
  return blocks
}

async function put (store: MemoryBlockstore, codec: number, bytes: Uint8Array): Promise<CID> {
  const cid = CID.createV1(codec, await sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

async function directory (store: MemoryBlockstore, links: Record<string, CID>, type: 'directory' | 'hamt-sharded-directory' = 'directory'): Promise<CID> {
  const unixfs = type === 'directory' ? new UnixFS({ type }) : new UnixFS({ type, fanout: 256n, hashType: 0x22n })
  return put(store, dagPb.code, dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: Object.entries(links).map(([Name, Hash]) => ({ Name, Hash, Tsize: 1 })) })))
}

describe('DirectoryCache', () => {
  it('reads and decodes a directory once, however many requests ask for it at once', async () => {
    const store = new MemoryBlockstore()
    const file = await put(store, raw.code, new TextEncoder().encode('an asset'))
    const dir = await directory(store, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`asset-${i}.svg`, file])))
    const blocks = counting(store)
    const cache = new DirectoryCache()
    const answers = await Promise.all(Array.from({ length: 20 }, async () => cache.get(dir, blocks, {})))
    expect(blocks.reads).toBe(1)
    expect(answers.every(links => links?.get('asset-299.svg')?.equals(file) === true)).toBe(true)
    expect((await cache.get(dir, blocks, {}))?.size).toBe(300)
    expect(blocks.reads).toBe(1)
    expect(cache.size).toBe(300)
  })

  it('holds no more links than its cap: the least recently used directory goes, and is read again when asked', async () => {
    const store = new MemoryBlockstore()
    const file = await put(store, raw.code, new TextEncoder().encode('x'))
    const names = (prefix: string): Record<string, CID> => Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${prefix}${i}`, file]))
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async prefix => directory(store, names(prefix))))
    const blocks = counting(store)
    const cache = new DirectoryCache(12)
    await cache.get(a, blocks, {})
    await cache.get(b, blocks, {})
    await cache.get(a, blocks, {})
    await cache.get(c, blocks, {})
    expect(cache.size).toBeLessThanOrEqual(12)
    expect(blocks.reads).toBe(3)
    await cache.get(a, blocks, {})
    expect(blocks.reads).toBe(3)
    expect((await cache.get(b, blocks, {}))?.get('b5')?.equals(file)).toBe(true)
    expect(blocks.reads).toBe(4)
    expect(cache.size).toBeLessThanOrEqual(12)
  })

  it('keeps only plain UnixFS directories: a file, a raw block or a HAMT shard is left to the exporter', async () => {
    const store = new MemoryBlockstore()
    const leaf = await put(store, raw.code, new TextEncoder().encode('raw'))
    const file = await put(store, dagPb.code, dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'file', data: new TextEncoder().encode('hi') }).marshal() })))
    const shard = await directory(store, { '00a': leaf }, 'hamt-sharded-directory')
    const cache = new DirectoryCache()
    for (const cid of [leaf, file, shard]) {
      expect(await cache.get(cid, counting(store), {})).toBeUndefined()
    }
    expect(cache.size).toBe(0)
  })
})

describe('throughDirectories', () => {
  it('goes as far down the path as plain directories lead, and leaves the rest to the exporter', async () => {
    const store = new MemoryBlockstore()
    const file = await put(store, raw.code, new TextEncoder().encode('body'))
    const shard = await directory(store, { '00a': file }, 'hamt-sharded-directory')
    const assets = await directory(store, { 'a.css': file, 'big': shard })
    const root = await directory(store, { assets })
    const cache = new DirectoryCache()
    const blocks = counting(store)
    expect(await throughDirectories(cache, root, '/assets/a.css', blocks, {})).toEqual({ cid: file, rest: '' })
    expect(await throughDirectories(cache, root, '/assets/missing.css', blocks, {})).toEqual({ cid: assets, rest: '/missing.css' })
    expect(await throughDirectories(cache, root, '/assets/big/a', blocks, {})).toEqual({ cid: shard, rest: '/a' })
    expect(await throughDirectories(cache, root, '/assets/a.css/deeper', blocks, {})).toEqual({ cid: file, rest: '/deeper' })
    // an escaped slash is the exporter's to read
    expect(await throughDirectories(cache, root, '/assets/a\\/b', blocks, {})).toEqual({ cid: assets, rest: '/a\\/b' })
    // root and assets once each, the shard once per walk that reached it
    expect(blocks.reads).toBe(3)
  })
})
