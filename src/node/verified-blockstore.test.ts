import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { CorruptBlockError, VerifiedBlockstore, hashMatches } from './verified-blockstore.ts'
import type { Blockstore } from 'interface-blockstore'

const log = defaultLogger().forComponent('test')

async function block (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function read (store: Blockstore, cid: CID): Promise<string> {
  let text = ''
  for await (const chunk of store.get(cid)) text += new TextDecoder().decode(chunk)
  return text
}

describe('VerifiedBlockstore', () => {
  it('serves a block the moment it is put, and writes it behind', async () => {
    const child = new MemoryBlockstore()
    const store = new VerifiedBlockstore(child, log)
    const { cid, bytes } = await block('hello')
    await store.put(cid, bytes)
    expect(await store.has(cid)).toBe(true)
    expect(await read(store, cid)).toBe('hello')
    await store.flush()
    expect(await child.has(cid)).toBe(true)
  })

  it('reports a corrupted stored block as absent and removes it, so it is fetched again', async () => {
    const child = new MemoryBlockstore()
    const { cid } = await block('the truth')
    await child.put(cid, new TextEncoder().encode('tampered!'))
    const store = new VerifiedBlockstore(child, log)
    expect(await store.has(cid)).toBe(false)
    expect(await child.has(cid)).toBe(false)
    await expect(read(store, cid)).rejects.toThrow()
  })

  it('returns the bytes it checked in has() from get()', async () => {
    const child = new MemoryBlockstore()
    const { cid, bytes } = await block('checked once')
    await child.put(cid, bytes)
    const store = new VerifiedBlockstore(child, log)
    expect(await store.has(cid)).toBe(true)
    expect(await read(store, cid)).toBe('checked once')
    // and a later read still verifies from the child
    expect(await read(store, cid)).toBe('checked once')
  })

  it('keeps going when the local store refuses a write: the block is served, not stored', async () => {
    const child = new MemoryBlockstore()
    child.put = async () => { throw new DOMException('quota', 'QuotaExceededError') }
    const store = new VerifiedBlockstore(child, log)
    const { cid, bytes } = await block('no room')
    await store.put(cid, bytes)
    expect(await read(store, cid)).toBe('no room')
    await store.flush()
    expect(await child.has(cid)).toBe(false)
    expect(await store.has(cid)).toBe(false)
  })

  it('tells the request each block it reads or writes, and its size, so responses count bytes', async () => {
    const store = new VerifiedBlockstore(new MemoryBlockstore(), log)
    const sizes: unknown[] = []
    const onProgress = (event: { type: string, detail: unknown }): void => { sizes.push([event.type, event.detail]) }
    const { cid, bytes } = await block('eleven byte')
    await store.put(cid, bytes, { onProgress })
    await store.flush()
    for await (const _ of store.get(cid, { onProgress })) {}
    const size = ['edgeway:block:size', { cid: cid.toString(), bytes: 11 }]
    expect(sizes).toEqual([size, size])
  })
})

/** A store that counts the reads that reach it. */
class CountingBlockstore extends MemoryBlockstore {
  reads = 0
  async * get (cid: CID, options?: Parameters<MemoryBlockstore['get']>[1]): AsyncGenerator<Uint8Array> {
    this.reads++
    yield * super.get(cid, options)
  }
}

describe('VerifiedBlockstore, retained blocks', () => {
  it('answers a retained block from memory: the store under it is not read (nor can what is written there change the answer)', async () => {
    const child = new CountingBlockstore()
    const store = new VerifiedBlockstore(child, log)
    const { cid, bytes } = await block('arrived in a site CAR')
    await child.put(cid, bytes)
    store.retain(cid, bytes)
    // another script of the origin overwrites the stored copy: the verified one in memory is what is answered
    await child.put(cid, new TextEncoder().encode('written by a page script'))
    expect(await read(store, cid)).toBe('arrived in a site CAR')
    expect(await read(store, cid)).toBe('arrived in a site CAR')
    expect(await store.has(cid)).toBe(true)
    expect(store.peek(cid)).toBe(bytes)
    expect(child.reads).toBe(0)
  })

  it('holds at most its byte cap, evicting the least recently read first', async () => {
    const store = new VerifiedBlockstore(new MemoryBlockstore(), log, { retainBytes: 100 })
    const blocks = await Promise.all(['a', 'b', 'c'].map(async letter => block(letter.repeat(40))))
    store.retain(blocks[0].cid, blocks[0].bytes)
    store.retain(blocks[1].cid, blocks[1].bytes)
    // read: now the most recent, so the next one evicts the other
    expect(store.peek(blocks[0].cid)).toBe(blocks[0].bytes)
    store.retain(blocks[2].cid, blocks[2].bytes)
    expect(store.retainedSize).toBe(80)
    expect(store.peek(blocks[1].cid)).toBeUndefined()
    expect(store.peek(blocks[0].cid)).toBe(blocks[0].bytes)
    expect(store.peek(blocks[2].cid)).toBe(blocks[2].bytes)
    // a block over the whole cap is not retained at all
    const big = await block('x'.repeat(101))
    store.retain(big.cid, big.bytes)
    expect(store.peek(big.cid)).toBeUndefined()
    expect(store.retainedSize).toBe(80)
  })

  it('reads an evicted block back from the store and checks it again: the right bytes are served, tampered ones refused', async () => {
    const child = new CountingBlockstore()
    const store = new VerifiedBlockstore(child, log, { retainBytes: 50 })
    const [honest, tampered, newer] = await Promise.all(['honest', 'tamper', 'newer'].map(async name => block(name.padEnd(40, '.'))))
    for (const { cid, bytes } of [honest, tampered]) {
      await child.put(cid, bytes)
      store.retain(cid, bytes)
    }
    store.retain(newer.cid, newer.bytes)
    expect(store.retainedSize).toBe(40)
    expect(store.peek(honest.cid)).toBeUndefined()
    expect(store.peek(tampered.cid)).toBeUndefined()

    expect(await read(store, honest.cid)).toBe(new TextDecoder().decode(honest.bytes))
    expect(child.reads).toBe(1)

    await child.put(tampered.cid, new TextEncoder().encode('forged by a page script'.padEnd(40, '.')))
    await expect(read(store, tampered.cid)).rejects.toThrow(CorruptBlockError)
    // removed, so the request fetches an honest copy
    expect(await child.has(tampered.cid)).toBe(false)
    expect(await store.has(tampered.cid)).toBe(false)
  })

  it('does not let a site\'s retained blocks push the nodes it read before out of memory', async () => {
    const child = new CountingBlockstore()
    const store = new VerifiedBlockstore(child, log)
    const node = await block('a directory above the site')
    await child.put(node.cid, node.bytes)
    expect(await read(store, node.cid)).toBe('a directory above the site')
    expect(child.reads).toBe(1)
    for (let i = 0; i < 300; i++) {
      const asset = await block(`asset ${i}`)
      await store.put(asset.cid, asset.bytes)
      store.retain(asset.cid, asset.bytes)
    }
    await store.flush()
    expect(await read(store, node.cid)).toBe('a directory above the site')
    expect(child.reads).toBe(1)
  })

  it('forgets a retained block that is deleted', async () => {
    const store = new VerifiedBlockstore(new MemoryBlockstore(), log)
    const { cid, bytes } = await block('deleted')
    store.retain(cid, bytes)
    await store.delete(cid)
    expect(store.peek(cid)).toBeUndefined()
    expect(store.retainedSize).toBe(0)
    expect(await store.has(cid)).toBe(false)
  })
})

describe('hashMatches', () => {
  it('accepts the right bytes and refuses others, and refuses too-short truncated digests', async () => {
    const { cid, bytes } = await block('abc')
    expect(await hashMatches(cid, bytes)).toBe(true)
    expect(await hashMatches(cid, new TextEncoder().encode('abd'))).toBe(false)
    const full = await sha256.digest(bytes)
    const short = CID.createV1(raw.code, { ...full, digest: full.digest.subarray(0, 4), size: 4, bytes: new Uint8Array([0x12, 4, ...full.digest.subarray(0, 4)]) })
    expect(await hashMatches(short, bytes)).toBe(false)
  })
})
