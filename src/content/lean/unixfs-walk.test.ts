/**
 * The lean path's UnixFS walk gives what `ipfs-unixfs-exporter` (the full
 * engine's) gives for the same DAGs: files of every shape the importer makes,
 * paths through plain and HAMT directories of several fanouts; and refuses
 * DAGs that do not add up.
 */
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { UnixFS } from 'ipfs-unixfs'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { randomFile } from '../../../e2e/support/content.ts'
import { walkPath } from './unixfs-walk.ts'
import type { BlockGetter } from './unixfs-walk.ts'

function getter (store: MemoryBlockstore): BlockGetter {
  return {
    block: async cid => {
      const chunks: Uint8Array[] = []
      for await (const chunk of store.get(cid)) chunks.push(chunk)
      return Buffer.concat(chunks)
    }
  }
}

async function bytesOf (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return Buffer.concat(chunks)
}

async function walked (root: CID, path: string[], store: MemoryBlockstore): Promise<Buffer> {
  const entry = await walkPath(root, path, getter(store))
  if (entry.kind !== 'file') throw new Error(`${path.join('/')} is a ${entry.kind}`)
  return bytesOf(entry.content({ readAhead: 3 }))
}

async function exported (root: CID, path: string[], store: MemoryBlockstore): Promise<Buffer> {
  const entry = await exporter([root.toString(), ...path].join('/'), store)
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`${path.join('/')} is a ${entry.type}`)
  return bytesOf(entry.content())
}

const NAMES = Array.from({ length: 300 }, (_, i) => `entry ${i} ✓.txt`)

describe('the lean UnixFS walk', () => {
  for (const [label, options] of [
    ['balanced, raw leaves, CIDv1', { rawLeaves: true, cidVersion: 1, layout: balanced({ maxChildrenPerNode: 5 }) }],
    ['dag-pb leaves, CIDv0', { rawLeaves: false, cidVersion: 0, layout: balanced({ maxChildrenPerNode: 5 }) }],
    ['trickle', { rawLeaves: true, cidVersion: 1, layout: trickle({ maxChildrenPerNode: 4, layerRepeat: 2 }) }],
    ['single leaves reduced to themselves', { rawLeaves: true, cidVersion: 1, reduceSingleLeafToSelf: true, layout: balanced({ maxChildrenPerNode: 5 }) }]
  ] as const) {
    it(`reads files as the exporter does: ${label}`, async () => {
      const store = new MemoryBlockstore()
      const files = [randomFile(0), randomFile(1), randomFile(1024), randomFile(200_000), randomFile(1_000_003)]
      const candidates = files.map((content, i) => ({ path: `d/f${i}`, content }))
      let root: CID | undefined
      for await (const entry of importer(candidates, store, { ...options, chunker: fixedSize({ chunkSize: 4096 }) })) {
        if (entry.path === 'd') root = entry.cid
      }
      for (let i = 0; i < files.length; i++) {
        const mine = await walked(root as CID, [`f${i}`], store)
        expect(mine.equals(await exported(root as CID, [`f${i}`], store))).toBe(true)
        expect(mine.equals(files[i])).toBe(true)
      }
    })
  }

  for (const fanoutBits of [2, 4, 8]) {
    it(`follows paths through a HAMT directory of fanout ${2 ** fanoutBits}, and misses names it lacks`, async () => {
      const store = new MemoryBlockstore()
      const candidates = NAMES.map(name => ({ path: `site/sub/${name}`, content: new TextEncoder().encode(`file ${name}`) }))
      let root: CID | undefined
      for await (const entry of importer(candidates, store, { cidVersion: 1, rawLeaves: true, shardSplitThresholdBytes: 1, shardFanoutBits: fanoutBits })) {
        if (entry.path === 'site') root = entry.cid
      }
      for (const name of NAMES) {
        expect((await walked(root as CID, ['sub', name], store)).toString()).toBe(`file ${name}`)
      }
      await expect(walkPath(root as CID, ['sub', 'entry 300 ✓.txt'], getter(store))).rejects.toMatchObject({ name: 'NotInDagError' })
      await expect(walkPath(root as CID, ['sub', NAMES[0], 'deeper'], getter(store))).rejects.toMatchObject({ name: 'NotInDagError' })
      expect((await walkPath(root as CID, ['sub'], getter(store))).kind).toBe('directory')
    })
  }

  it('refuses a file whose links and sizes do not add up, rather than send other bytes', async () => {
    const store = new MemoryBlockstore()
    const leaf = new TextEncoder().encode('twelve bytes')
    const leafCid = CID.createV1(0x55, await sha256.digest(leaf))
    await store.put(leafCid, leaf)
    const unixfs = new UnixFS({ type: 'file', blockSizes: [12n, 12n] })
    const lying = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [{ Hash: leafCid, Tsize: 12 }, { Hash: leafCid, Tsize: 12 }] }))
    const lyingCid = CID.createV1(dagPb.code, await sha256.digest(lying))
    await store.put(lyingCid, lying)
    const entry = await walkPath(lyingCid, [], getter(store))
    expect(entry).toMatchObject({ kind: 'file', size: 24 })
    // honest sizes: 24 bytes
    if (entry.kind === 'file') expect((await bytesOf(entry.content())).byteLength).toBe(24)

    const short = new UnixFS({ type: 'file', blockSizes: [12n, 20n] })
    const shortBytes = dagPb.encode(dagPb.prepare({ Data: short.marshal(), Links: [{ Hash: leafCid, Tsize: 12 }, { Hash: leafCid, Tsize: 12 }] }))
    const shortCid = CID.createV1(dagPb.code, await sha256.digest(shortBytes))
    await store.put(shortCid, shortBytes)
    const shortEntry = await walkPath(shortCid, [], getter(store))
    if (shortEntry.kind !== 'file') throw new Error('not a file')
    await expect(bytesOf(shortEntry.content())).rejects.toMatchObject({ name: 'ContentError', status: 502 })
  })
})
