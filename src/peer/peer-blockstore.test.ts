import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { VerifiedBlockstore } from '../node/verified-blockstore.ts'
import { PeerBlockstore } from './peer-blockstore.ts'

async function block (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function read (store: PeerBlockstore, cid: CID): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.get(cid)) chunks.push(chunk)
  return chunks
}

/** A store whose gate shares every block, or none */
function peerStore (shares: boolean): PeerBlockstore {
  return new PeerBlockstore(new VerifiedBlockstore(new MemoryBlockstore(), defaultLogger().forComponent('test')), { serves: () => shares })
}

describe('PeerBlockstore', () => {
  it('serves what the gate shares and the store holds, and counts what it gave', async () => {
    const store = peerStore(true)
    const { cid, bytes } = await block('served')
    await store.put(cid, bytes)
    expect(await store.has(cid)).toBe(true)
    expect(await read(store, cid)).toEqual([bytes])
    expect(store.served).toEqual({ blocks: 1, bytes: bytes.byteLength })
  })

  it('a block the gate does not share looks absent to other peers (has, get, getAll), while the store keeps it', async () => {
    const store = peerStore(false)
    const { cid, bytes } = await block('kept, not served')
    await store.put(cid, bytes)
    expect(await store.has(cid)).toBe(false)
    await expect(read(store, cid)).rejects.toMatchObject({ name: 'NotFoundError' })
    const listed = []
    for await (const pair of store.getAll()) listed.push(pair)
    expect(listed).toEqual([])
    expect(await store.local.has(cid)).toBe(true)
    expect(store.served).toEqual({ blocks: 0, bytes: 0 })
  })

  it('refuses to store bytes that do not match their CID, whoever sent them', async () => {
    const store = peerStore(true)
    const { cid } = await block('the real block')
    await expect(store.put(cid, new TextEncoder().encode('a forgery'))).rejects.toMatchObject({ name: 'VerificationError' })
    expect(await store.local.has(cid)).toBe(false)
  })
})
