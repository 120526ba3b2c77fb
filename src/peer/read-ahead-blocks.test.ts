import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { describe, expect, it } from 'vitest'
import { READ_AHEAD_BLOCKS, ReadAheadBlocks } from './read-ahead-blocks.ts'
import { collect } from './collect.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** A file of `leaves` 1 KiB leaves under one dag-pb root, in a store that counts its reads and can refuse one block */
async function fileOf (leaves: number): Promise<{ root: CID, leaves: CID[], store: MemoryBlockstore, reads: string[], refuse: Set<string> }> {
  const store = new MemoryBlockstore()
  const bytes = new Uint8Array(leaves * 1024).map((_, i) => (i * 7) % 251)
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], store, { cidVersion: 1, rawLeaves: true, chunker: (await import('ipfs-unixfs-importer/chunker')).fixedSize({ chunkSize: 1024 }) })) root = entry.cid
  const reads: string[] = []
  const refuse = new Set<string>()
  const get = store.get.bind(store)
  store.get = async function * (cid: CID, options?: AbortOptions) {
    reads.push(cid.toString())
    if (refuse.has(cid.toString())) throw Object.assign(new Error('not shared'), { name: 'NotFoundError' })
    yield * get(cid, options)
  } as typeof store.get
  const node = (await import('@ipld/dag-pb')).decode(await collect(get(root!)))
  return { root: root!, leaves: node.Links.map(link => link.Hash), store, reads, refuse }
}

describe('ReadAheadBlocks', () => {
  it('gives the exporter every block as the store has it, each read once, at most a few ahead', async () => {
    const { root, leaves, store, reads } = await fileOf(40)
    const ahead = new ReadAheadBlocks(store)
    await collect(ahead.get(root))
    expect(reads).toHaveLength(1 + READ_AHEAD_BLOCKS)
    for (const [i, leaf] of leaves.entries()) {
      expect(await collect(ahead.get(leaf))).toEqual(await collect(MemoryBlockstore.prototype.get.call(store, leaf)))
      expect(reads.length).toBeLessThanOrEqual(1 + Math.min(leaves.length, i + 1 + READ_AHEAD_BLOCKS))
    }
    expect(reads).toEqual([root, ...leaves].map(String))
  })

  it('a block read ahead that the store refuses fails only when the exporter asks for it', async () => {
    const { root, leaves, store, refuse } = await fileOf(6)
    refuse.add(leaves[3].toString())
    const ahead = new ReadAheadBlocks(store)
    await collect(ahead.get(root))
    for (const leaf of leaves.slice(0, 3)) await collect(ahead.get(leaf))
    await expect(collect(ahead.get(leaves[3]))).rejects.toThrow('not shared')
  })

  it('skipped blocks (a range that leaves them out) are dropped, not held', async () => {
    const { root, leaves, store, reads } = await fileOf(40)
    const ahead = new ReadAheadBlocks(store)
    await collect(ahead.get(root))
    await collect(ahead.get(leaves[30]))
    // read ahead from after the block taken: the window moved past the skipped ones
    expect(reads.slice(-READ_AHEAD_BLOCKS)).toEqual(leaves.slice(31, 31 + READ_AHEAD_BLOCKS).map(String))
  })
})
