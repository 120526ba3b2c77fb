import * as dagPb from '@ipld/dag-pb'
import { defaultLogger } from '@libp2p/logger'
import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { ChosenBlocks } from './chosen-blocks.ts'
import { collect } from './collect.ts'
import { SharePolicy } from './share-policy.ts'
import type { CodecLoader } from '@helia/interface'

const getCodec = (async (code: number) => {
  if (code === dagPb.code) return dagPb
  if (code === raw.code) return raw
  throw new Error(`no codec ${code}`)
}) as unknown as CodecLoader

/** A file of three chunks imported as the page publishes (CIDv1, raw leaves): its root and every block */
async function importFile (store: MemoryBlockstore, text: string): Promise<{ root: CID, blocks: CID[] }> {
  const blocks: CID[] = []
  let root: CID | undefined
  const bytes = new TextEncoder().encode(text.repeat(3).slice(0, 3 * 16))
  const sink = { put: async (cid: CID, block: Uint8Array) => { blocks.push(cid); await store.put(cid, block); return cid } }
  for await (const entry of importer([{ content: bytes }], sink, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 16 }) })) {
    root = entry.cid
  }
  return { root: root!, blocks }
}

async function viewedBlock (store: MemoryBlockstore, text: string): Promise<CID> {
  const bytes = new TextEncoder().encode(text)
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

async function listed (policy: SharePolicy): Promise<string[]> {
  const cids: string[] = []
  for await (const cid of policy.blocks()) cids.push(CID.createV1(raw.code, cid.multihash).toString())
  return cids.sort()
}

const asRaw = (cids: CID[]): string[] => cids.map(cid => CID.createV1(raw.code, cid.multihash).toString()).sort()

function setUp (store: MemoryBlockstore, roots: CID[]): { policy: SharePolicy, roots: CID[] } {
  const chosen = new ChosenBlocks({ store, getCodec, roots: async () => roots, log: defaultLogger().forComponent('test') })
  return { policy: new SharePolicy({ chosen, store }), roots }
}

describe('SharePolicy: what a browser shares', () => {
  it('by default, the blocks of published or pinned roots only: never a block it merely viewed', async () => {
    const store = new MemoryBlockstore()
    const published = await importFile(store, 'published by the user ')
    const viewed = await viewedBlock(store, 'only viewed')
    const { policy } = setUp(store, [published.root])
    expect(await listed(policy)).toEqual(asRaw(published.blocks))
    expect(published.blocks.length).toBe(4)
    expect(published.blocks.every(cid => policy.serves(cid))).toBe(true)
    // asked by another CID of the same bytes, still not served
    expect(policy.serves(viewed)).toBe(false)
    expect(policy.serves(CID.createV1(dagPb.code, viewed.multihash))).toBe(false)
  })

  it('with share-viewed on, everything the store holds; turned off, viewed blocks are refused at once', async () => {
    const store = new MemoryBlockstore()
    const published = await importFile(store, 'published by the user ')
    const viewed = await viewedBlock(store, 'only viewed')
    const { policy } = setUp(store, [published.root])
    policy.shareViewed = true
    expect(await listed(policy)).toEqual(asRaw([...published.blocks, viewed]))
    expect(policy.serves(viewed)).toBe(true)
    policy.shareViewed = false
    expect(policy.serves(viewed)).toBe(false)
    expect(policy.serves(published.root)).toBe(true)
  })

  it('with serving off, nothing at all', async () => {
    const store = new MemoryBlockstore()
    const published = await importFile(store, 'published by the user ')
    const { policy } = setUp(store, [published.root])
    await listed(policy)
    policy.serving = false
    policy.shareViewed = true
    expect(await listed(policy)).toEqual([])
    expect(published.blocks.some(cid => policy.serves(cid))).toBe(false)
  })

  it('an unpinned root stops being shared at the next listing; a root held in part shares the part it holds', async () => {
    const store = new MemoryBlockstore()
    const pinned = await importFile(store, 'pinned, then unpinned ')
    const partial = await importFile(store, 'held in part, a leaf gone ')
    const missing = partial.blocks[1]
    const bytes = await collect(store.get(missing))
    await store.delete(missing)
    const { policy, roots } = setUp(store, [pinned.root])
    roots.push(partial.root)
    expect(await listed(policy)).toEqual(asRaw([...pinned.blocks, ...partial.blocks.filter(cid => cid !== missing)]))
    roots.shift()
    await store.put(missing, bytes)
    expect(await listed(policy)).toEqual(asRaw(partial.blocks))
    expect(policy.serves(pinned.root)).toBe(false)
  })

  it('blocks the user just published are shared before any root lists them', async () => {
    const store = new MemoryBlockstore()
    const published = await importFile(store, 'published just now ')
    const { policy } = setUp(store, [])
    policy.choose(published.blocks)
    expect(policy.serves(published.root)).toBe(true)
    expect(await listed(policy)).toEqual(asRaw(published.blocks))
  })
})
