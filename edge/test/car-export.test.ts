import { randomBytes } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { exportCar } from '../../src/lib/car-export/car-export.ts'
import { resolveFileRange } from '../../src/lib/car-export/entity-bytes.ts'
import { readBlock } from '../node/trustless-gateway.ts'
import { catFile, countingReads, readVerifiedCar } from './fixtures.ts'
import type { CarExportOptions } from '../../src/lib/car-export/car-export.ts'
import type { CodecLoader } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'

const KiB = 1024
const CODECS: Record<number, any> = { [dagPb.code]: dagPb, [raw.code]: raw, [dagCbor.code]: dagCbor }
const getCodec: CodecLoader = async (code) => CODECS[code]

/** 16 KiB raw leaves under inner nodes of at most 4 children */
const SMALL_TREE = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 16 * KiB }), layout: balanced({ maxChildrenPerNode: 4 }) }

async function importFile (blockstore: Blockstore, content: Uint8Array): Promise<{ root: CID, leaves: CID[] }> {
  let root: CID | undefined
  for await (const entry of importer([{ content }], blockstore, SMALL_TREE)) {
    root = entry.cid
  }
  const car = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, root as CID)))
  return { root: root as CID, leaves: car.cids.filter(cid => cid.code === raw.code) }
}

async function collect (car: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of car) {
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** How many bytes the export yields before it ends, and how it ends */
async function drain (car: AsyncIterable<Uint8Array>): Promise<{ bytes: number, error?: string }> {
  let bytes = 0
  try {
    for await (const chunk of car) {
      bytes += chunk.byteLength
    }
  } catch (err: any) {
    return { bytes, error: err.name }
  }
  return { bytes }
}

describe('exportCar', () => {
  it('rejects, after the blocks before it, when a block is missing mid-file: dag-scope all, entity, entity-bytes and a path', async () => {
    const blockstore = new MemoryBlockstore()
    const content = randomBytes(40 * 16 * KiB)
    const { root, leaves } = await importFile(blockstore, content)
    let dir: CID | undefined
    for await (const entry of importer([{ path: 'd/f.bin', content }], blockstore, { ...SMALL_TREE, wrapWithDirectory: true })) {
      dir = entry.cid
    }
    const rootBlock = await readBlock(blockstore, root)
    const fileRange = await resolveFileRange(getCodec, root, rootBlock, { from: 0, to: '*' })
    const dirBlock = await readBlock(blockstore, dir as CID)
    const subdir = dagPb.decode(dirBlock).Links[0].Hash

    await blockstore.delete(leaves[20])

    const cases: Array<[string, CID, CarExportOptions]> = [
      ['all', root, { dagScope: 'all' }],
      ['entity', root, { dagScope: 'entity' }],
      ['entity-bytes 0:*', root, { dagScope: 'entity', fileRange }],
      ['path d/f.bin, all', dir as CID, { dagScope: 'all', path: { cids: [dir as CID, subdir, root], names: ['d', 'f.bin'] } }]
    ]
    for (const [name, start, options] of cases) {
      const result = await drain(exportCar({ blockstore, getCodec }, start, options))
      expect(result.error, name).toBe('NotFoundError')
      // the twenty leaves before the missing one went out first
      expect(result.bytes, name).toBeGreaterThan(20 * 16 * KiB)
    }
  })

  it('places the children of a file node after the node\'s own bytes', async () => {
    const blockstore = new MemoryBlockstore()
    const own = randomBytes(1000)
    const children = [randomBytes(5000), randomBytes(7000)]
    const links = await Promise.all(children.map(async bytes => {
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await blockstore.put(cid, bytes)
      return { Hash: cid, Tsize: bytes.byteLength }
    }))
    const data = new UnixFS({ type: 'file', data: own, blockSizes: children.map(child => BigInt(child.byteLength)) })
    const rootBytes = dagPb.encode(dagPb.prepare({ Data: data.marshal(), Links: links }))
    const root = CID.createV1(dagPb.code, await sha256.digest(rootBytes))
    await blockstore.put(root, rootBytes)

    // bytes 6000..6999 of the file lie in the second child, which starts at 1000 + 5000
    const fileRange = await resolveFileRange(getCodec, root, rootBytes, { from: 6000, to: 6999 })
    const car = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, root, { dagScope: 'entity', fileRange })))
    expect(car.cids.map(String)).toEqual([root.toString(), links[1].Hash.toString()])

    // and the whole file is the node's bytes, then its children's
    const whole = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, root, { dagScope: 'entity' })))
    expect(Buffer.from(await catFile(whole.blockstore, root)).equals(Buffer.concat([own, ...children]))).toBe(true)
  })

  it('writes each block of a DAG that repeats a subtree once, reading it once, depth-first', async () => {
    const part = randomBytes(4 * 16 * KiB)
    const content = Buffer.concat([part, part, part])
    const store = new MemoryBlockstore()
    const { root } = await importFile(store, content)
    const { blockstore, reads } = countingReads(store)

    for (const dagScope of ['all', 'entity'] as const) {
      reads.clear()
      const car = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, root, { dagScope })))
      // the root, one inner node (the same three times) and its four leaves
      expect(car.cids.map(String), dagScope).toEqual([...new Set(car.cids.map(String))])
      expect(car.cids, dagScope).toHaveLength(6)
      expect([...reads.values()].every(count => count === 1), dagScope).toBe(true)
      expect(Buffer.from(await catFile(car.blockstore, root)).equals(content), dagScope).toBe(true)
    }
  })

  it('writes a DAG-CBOR node and what it links to with dag-scope=all, the node alone with entity', async () => {
    const blockstore = new MemoryBlockstore()
    const leafBytes = randomBytes(100)
    const leaf = CID.createV1(raw.code, await sha256.digest(leafBytes))
    await blockstore.put(leaf, leafBytes)
    const nodeBytes = dagCbor.encode({ a: [leaf], b: 'text' })
    const node = CID.createV1(dagCbor.code, await sha256.digest(nodeBytes))
    await blockstore.put(node, nodeBytes)

    const all = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, node, { dagScope: 'all' })))
    expect(all.cids.map(String)).toEqual([node.toString(), leaf.toString()])
    const entity = await readVerifiedCar(await collect(exportCar({ blockstore, getCodec }, node, { dagScope: 'entity' })))
    expect(entity.cids.map(String)).toEqual([node.toString()])
    expect(entity.roots.map(String)).toEqual([node.toString()])
  })

  it('streams a DAG of many small blocks in bounded chunks, the header first on its own', async () => {
    const blockstore = new MemoryBlockstore()
    const leaves: CID[] = []
    for (let i = 0; i < 1200; i++) {
      const bytes = randomBytes(100)
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await blockstore.put(cid, bytes)
      leaves.push(cid)
    }
    const nodeBytes = dagCbor.encode({ leaves })
    const node = CID.createV1(dagCbor.code, await sha256.digest(nodeBytes))
    await blockstore.put(node, nodeBytes)

    const chunks: Uint8Array[] = []
    for await (const chunk of exportCar({ blockstore, getCodec }, node, { dagScope: 'all' })) {
      chunks.push(chunk)
    }
    // a 48 KiB node, then ~170 KiB of small blocks: several chunks, none far past 64 KiB
    expect(chunks.length).toBeGreaterThan(4)
    expect(Math.max(...chunks.map(chunk => chunk.byteLength))).toBeLessThan(66 * KiB)
    expect(chunks[0].byteLength).toBeLessThan(100)
    const car = await readVerifiedCar(Buffer.concat(chunks))
    expect(car.cids.map(String)).toEqual([node, ...leaves].map(String))
  })
})
