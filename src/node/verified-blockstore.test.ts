import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { VerifiedBlockstore, hashMatches } from './verified-blockstore.ts'
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
