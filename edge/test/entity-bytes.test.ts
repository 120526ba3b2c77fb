import { randomBytes } from 'node:crypto'
import { exporter } from 'ipfs-unixfs-exporter'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportCar } from '../../src/lib/car-export/car-export.ts'
import { resolveFileRange } from '../../src/lib/car-export/entity-bytes.ts'
import { startEdge } from '../node/start-edge.ts'
import { readBlock } from '../node/trustless-gateway.ts'
import { countingReads, createSiteFixture, fetchBytes, readVerifiedCar } from './fixtures.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'
import type { Blockstore } from 'interface-blockstore'
import type { ImporterOptions } from 'ipfs-unixfs-importer'

const KiB = 1024
const MiB = 1024 * KiB
const CHUNK = 256 * KiB
const CAR_TYPE = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'

/** 256 KiB raw leaves under inner nodes of at most 4 children: 12 leaves, 3 inner nodes, a root */
const TWO_LEVELS: ImporterOptions = { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: CHUNK }), layout: balanced({ maxChildrenPerNode: 4 }) }

async function importBytes (blockstore: Blockstore, content: Uint8Array, options: ImporterOptions): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content }], blockstore, options)) {
    root = entry.cid
  }
  return root as CID
}

async function rawLeafCid (bytes: Uint8Array): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(bytes)).toString()
}

/** Reads bytes `[start, end)` of a UnixFS file the way a client would, from `blockstore` only */
async function readRange (blockstore: Blockstore, path: CID | string, start: number, end: number): Promise<Buffer> {
  const entry = await exporter(path, blockstore)
  if (entry.type !== 'file' && entry.type !== 'raw') {
    throw new Error(`${path} is a ${entry.type}`)
  }
  const chunks: Uint8Array[] = []
  for await (const chunk of entry.content({ offset: start, length: end - start })) {
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

describe('trustless gateway entity-bytes', () => {
  let fixture: SiteFixture
  let edge: Edge
  let site: string
  const file = randomBytes(3 * MiB)
  let fileRoot: CID

  beforeAll(async () => {
    fixture = await createSiteFixture()
    edge = await startEdge({ serve: [fixture.site] })
    site = edge.info.roots[fixture.site]
    fileRoot = await importBytes(edge.blockstore, file, TWO_LEVELS)
  })

  afterAll(async () => {
    await edge?.stop()
    await fixture?.cleanup()
  })

  async function fetchCar (query: string, path = fileRoot.toString()): Promise<{ response: Response, car: Awaited<ReturnType<typeof readVerifiedCar>> }> {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${path}?format=car&${query}`)
    expect(response.status, response.ok ? '' : new TextDecoder().decode(bytes)).toBe(200)
    return { response, car: await readVerifiedCar(bytes) }
  }

  // [entity-bytes, first byte, one past the last byte]
  const ranges: Array<[string, number, number]> = [
    ['0:99999', 0, 100_000],
    ['262000:262300', 262_000, 262_301], // across a leaf boundary
    ['1048000:1048700', 1_048_000, 1_048_701], // across an inner node boundary
    ['3145000:3145727', 3_145_000, 3 * MiB], // to the last byte
    ['-1000:*', 3 * MiB - 1000, 3 * MiB],
    ['2000000:*', 2_000_000, 3 * MiB],
    ['-2000000:-1000000', 3 * MiB - 2_000_000, 3 * MiB - 1_000_000 + 1],
    ['3145000:99999999', 3_145_000, 3 * MiB], // clamped to the end
    ['0:*', 0, 3 * MiB]
  ]

  for (const [entityBytes, start, end] of ranges) {
    it(`entity-bytes=${entityBytes}: the root, the inner nodes on the way and only the leaves holding the range, depth-first`, async () => {
      const { response, car } = await fetchCar(`dag-scope=entity&entity-bytes=${entityBytes}`)
      expect(response.headers.get('content-type')).toBe(CAR_TYPE)

      // leaf i holds bytes [i * CHUNK, (i + 1) * CHUNK); inner node g holds leaves 4g..4g+3
      const expected: string[] = [fileRoot.toString()]
      let group = -1
      for (let i = Math.floor(start / CHUNK); i * CHUNK < end; i++) {
        if (Math.floor(i / 4) !== group) {
          group = Math.floor(i / 4)
          expected.push('inner node')
        }
        expected.push(await rawLeafCid(file.subarray(i * CHUNK, (i + 1) * CHUNK)))
      }
      const actual = car.cids.map(cid => cid.code === raw.code || cid.equals(fileRoot) ? cid.toString() : 'inner node')
      expect(actual).toEqual(expected)

      expect((await readRange(car.blockstore, fileRoot, start, end)).equals(file.subarray(start, end))).toBe(true)
    })
  }

  it('serves exactly one leaf for a range that is that leaf', async () => {
    const { car } = await fetchCar('entity-bytes=262144:524287')
    const leaf = file.subarray(CHUNK, 2 * CHUNK)
    expect(car.cids).toHaveLength(3)
    expect(car.cids[2].toString()).toBe(await rawLeafCid(leaf))
    // ipfs-unixfs-exporter would also ask for the next leaf when a read ends on a leaf
    // boundary, so check the bytes straight from the raw leaf instead
    const chunks: Uint8Array[] = []
    for await (const chunk of car.blockstore.get(car.cids[2])) {
      chunks.push(chunk)
    }
    expect(Buffer.concat(chunks).equals(leaf)).toBe(true)
  })

  it('covers a repeated subtree at each offset the range needs it, writing it once', async () => {
    const part = randomBytes(MiB)
    const repeated = Buffer.concat([part, part, part])
    const root = await importBytes(edge.blockstore, repeated, TWO_LEVELS)

    // the last leaf of the first copy and the first leaf of the second: the same inner node twice
    const { car } = await fetchCar('entity-bytes=1000000:1100000', root.toString())
    expect(car.cids.map(cid => cid.code === raw.code ? 'leaf' : 'node')).toEqual(['node', 'node', 'leaf', 'leaf'])
    expect((await readRange(car.blockstore, root, 1_000_000, 1_100_001)).equals(repeated.subarray(1_000_000, 1_100_001))).toBe(true)
  })

  it('reads each block once, the target included, however often the range revisits it', async () => {
    const part = randomBytes(MiB)
    const root = await importBytes(edge.blockstore, Buffer.concat([part, part, part]), TWO_LEVELS)
    const { blockstore, reads } = countingReads(edge.blockstore)

    const components = { blockstore, getCodec: edge.helia.getCodec }
    const fileRange = await resolveFileRange(edge.helia.getCodec, root, await readBlock(blockstore, root), { from: 0, to: '*' })
    const chunks: Uint8Array[] = []
    for await (const chunk of exportCar(components, root, { dagScope: 'entity', fileRange })) {
      chunks.push(chunk)
    }

    const car = await readVerifiedCar(Buffer.concat(chunks))
    expect([...reads.values()].every(count => count === 1)).toBe(true)
    expect([...reads.keys()].sort()).toEqual(car.cids.map(String).sort())
    expect((await readRange(car.blockstore, root, 0, 3 * MiB)).equals(Buffer.concat([part, part, part]))).toBe(true)
  })

  it('serves a range of a file with dag-pb leaves, and not the leaves outside it', async () => {
    const content = randomBytes(600_000)
    const root = await importBytes(edge.blockstore, content, { ...TWO_LEVELS, rawLeaves: false, chunker: fixedSize({ chunkSize: 64 * KiB }) })

    // the whole DAG depth-first: root, inner node 0, leaves 0-3, inner node 1…
    const all = (await fetchCar('dag-scope=all', root.toString())).car.cids.map(String)
    const { car } = await fetchCar('entity-bytes=70000:140000', root.toString())
    // 64 KiB leaves: bytes 70000-140000 are in leaves 1 and 2, leaf 0 is not needed
    expect(car.cids.map(String)).toEqual([all[0], all[1], all[3], all[4]])
    expect((await readRange(car.blockstore, root, 70_000, 140_001)).equals(content.subarray(70_000, 140_001))).toBe(true)
  })

  it('serves a raw-block file whole for any range within it', async () => {
    const content = randomBytes(1000)
    const root = await importBytes(edge.blockstore, content, TWO_LEVELS)
    expect(root.code).toBe(raw.code)

    const { car } = await fetchCar('entity-bytes=-10:*', root.toString())
    expect(car.cids.map(String)).toEqual([root.toString()])
    expect((await readRange(car.blockstore, root, 990, 1000)).equals(content.subarray(990))).toBe(true)
  })

  it('serves a file by path: the path blocks, then the range', async () => {
    const big = fixture.files['data/big.bin']
    const { response, car } = await fetchCar('entity-bytes=-1000:*', `${site}/data/big.bin`)

    // site root, data/, the file root, its last leaf
    expect(car.cids).toHaveLength(4)
    expect(response.headers.get('x-ipfs-roots')?.split(',')).toHaveLength(3)
    expect((await readRange(car.blockstore, `${site}/data/big.bin`, big.byteLength - 1000, big.byteLength)).equals(big.subarray(-1000))).toBe(true)
  })

  it('ignores entity-bytes for a directory, and with dag-scope=block or all', async () => {
    const entity = await fetchBytes(`${edge.info.http}/ipfs/${site}?format=car&dag-scope=entity`)
    const ranged = await fetchBytes(`${edge.info.http}/ipfs/${site}?format=car&dag-scope=entity&entity-bytes=0:10`)
    expect(Buffer.from(ranged.bytes).equals(entity.bytes)).toBe(true)
    expect(ranged.response.headers.get('etag')).toBe(entity.response.headers.get('etag'))

    expect((await fetchCar('dag-scope=block&entity-bytes=0:10')).car.cids.map(String)).toEqual([fileRoot.toString()])
    expect((await fetchCar('dag-scope=all&entity-bytes=0:10')).car.cids).toHaveLength(16)
  })

  it('gives each range its own Etag', async () => {
    const etags = new Set<string | null>()
    for (const query of ['dag-scope=entity', 'entity-bytes=0:99', 'entity-bytes=100:199']) {
      etags.add((await fetch(`${edge.info.http}/ipfs/${fileRoot}?format=car&${query}`, { method: 'HEAD' })).headers.get('etag'))
    }
    expect(etags.size).toBe(3)
  })

  it('honours car-order=dfs and answers car-dups=y without duplicates, saying so', async () => {
    const { response } = await fetchCar('entity-bytes=0:99&car-version=1&car-order=dfs&car-dups=y')
    expect(response.headers.get('content-type')).toBe(CAR_TYPE)

    const accepted = await fetch(`${edge.info.http}/ipfs/${fileRoot}?entity-bytes=0:99`, {
      headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' }
    })
    expect(accepted.status).toBe(200)
    expect(accepted.headers.get('content-type')).toBe(CAR_TYPE)
    await accepted.arrayBuffer()
  })

  it('serves the whole of an empty file for 0:*, and refuses any other range of it', async () => {
    const root = await importBytes(edge.blockstore, new Uint8Array(0), TWO_LEVELS)
    const { car } = await fetchCar('entity-bytes=0:*', root.toString())
    expect(car.cids.map(String)).toEqual([root.toString()])
    expect((await fetch(`${edge.info.http}/ipfs/${root}?format=car&entity-bytes=0:10`)).status).toBe(400)
  })

  it('answers 400, with a reason, for a range that is malformed or selects no bytes', async () => {
    for (const entityBytes of ['abc', '1.5:9', '10:5', '-1:-10', '5:', '3145728:*', '5000000:6000000', '-100:50', '0:-3145729']) {
      const response = await fetch(`${edge.info.http}/ipfs/${fileRoot}?format=car&entity-bytes=${entityBytes}`)
      expect(response.status, entityBytes).toBe(400)
      expect(await response.text()).toContain('entity-bytes')
    }

    const head = await fetch(`${edge.info.http}/ipfs/${fileRoot}?format=car&entity-bytes=5000000:*`, { method: 'HEAD' })
    expect(head.status).toBe(400)

    for (const query of ['car-order=bfs', 'car-dups=maybe', 'car-version=2']) {
      expect((await fetch(`${edge.info.http}/ipfs/${fileRoot}?format=car&${query}`)).status, query).toBe(400)
    }
  })
})
