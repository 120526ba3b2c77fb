import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { catFile, createSiteFixture, fetchBytes, readVerifiedCar, writeCar } from './fixtures.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

interface Block { cid: CID, bytes: Uint8Array }

/** The blocks of a UnixFS file of `size` random bytes in 1 KiB raw leaves, the root last */
async function fileBlocks (size: number): Promise<Block[]> {
  const blocks: Block[] = []
  const store = { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } }
  for await (const _ of importer([{ content: randomBytes(size) }], store, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 }) })) {}
  return blocks
}

describe('content import', () => {
  let fixture: SiteFixture
  let edge: Edge
  let root: string

  beforeAll(async () => {
    fixture = await createSiteFixture()
    edge = await startEdge({ serve: [fixture.site, join(fixture.site, 'data/big.bin')] })
    root = edge.info.roots[fixture.site]
  })

  afterAll(async () => {
    await edge?.stop()
    await fixture?.cleanup()
  })

  it('imports a single file as a UnixFS file with the same CID as inside the directory', async () => {
    const fileRoot = edge.info.roots[join(fixture.site, 'data/big.bin')]
    const { bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}/data/big.bin?format=car&dag-scope=block`)
    const car = await readVerifiedCar(bytes)
    expect(car.cids.at(-1)?.toString()).toBe(fileRoot)
  })

  it('skips hidden files and keeps empty directories', async () => {
    const { response: hidden } = await fetchBytes(`${edge.info.http}/ipfs/${root}/.hidden?format=car`)
    const { response: empty } = await fetchBytes(`${edge.info.http}/ipfs/${root}/empty?format=car`)
    expect(hidden.status).toBe(404)
    expect(empty.status).toBe(200)
  })

  it('round-trips a CAR: export, import into a new edge, same root and bytes', async () => {
    const { bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}?format=car`)
    const carPath = join(fixture.dir, 'site.car')
    await writeFile(carPath, bytes)

    const second = await startEdge({ serve: [carPath] })
    try {
      expect(second.info.roots).toEqual({ [carPath]: root })
      const again = await fetchBytes(`${second.info.http}/ipfs/${root}?format=car`)
      expect(Buffer.from(again.bytes).equals(Buffer.from(bytes))).toBe(true)
      const car = await readVerifiedCar(again.bytes)
      const file = await catFile(car.blockstore, CID.parse(root), 'data/big.bin')
      expect(Buffer.from(file).equals(fixture.files['data/big.bin'])).toBe(true)
    } finally {
      await second.stop()
    }
  })

  it('accepts an incomplete DAG and serves the blocks it has', async () => {
    const { bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}?format=car&dag-scope=block`)
    const carPath = join(fixture.dir, 'root-only.car')
    await writeFile(carPath, bytes)

    const partial = await startEdge({ serve: [carPath] })
    try {
      expect((await fetch(`${partial.info.http}/ipfs/${root}?format=raw`)).status).toBe(200)
      expect((await fetch(`${partial.info.http}/routing/v1/providers/${edge.info.roots[join(fixture.site, 'data/big.bin')]}`)).status).toBe(404)

      // the whole DAG cannot be sent: the stream is cut, so it is never mistaken for complete
      const whole = await fetch(`${partial.info.http}/ipfs/${root}?format=car`)
      expect(whole.status).toBe(200)
      await expect(whole.arrayBuffer()).rejects.toThrow()
      expect((await fetch(`${partial.info.http}/info`)).status).toBe(200)
    } finally {
      await partial.stop()
    }
  })

  it('imports a CAR with a block missing mid-file as it is, and names its root', async () => {
    const [first, middle, last, root] = await fileBlocks(3 * 1024)
    const carPath = join(fixture.dir, 'missing-block.car')
    await writeCar(carPath, [root.cid], [root, first, last])

    const partial = await startEdge({ serve: [carPath] })
    try {
      expect(partial.info.roots).toEqual({ [carPath]: root.cid.toString() })
      for (const { cid } of [root, first, last]) {
        expect((await fetch(`${partial.info.http}/ipfs/${cid}?format=raw`)).status).toBe(200)
      }
      expect((await fetch(`${partial.info.http}/ipfs/${middle.cid}?format=raw`)).status).toBe(404)
    } finally {
      await partial.stop()
    }
  })

  it('imports a CAR whose root is not in it, and still names that root', async () => {
    const [leaf, , , root] = await fileBlocks(3 * 1024)
    const carPath = join(fixture.dir, 'absent-root.car')
    await writeCar(carPath, [root.cid], [leaf])

    const partial = await startEdge({ serve: [carPath] })
    try {
      expect(partial.info.roots).toEqual({ [carPath]: root.cid.toString() })
      expect((await fetch(`${partial.info.http}/ipfs/${root.cid}?format=raw`)).status).toBe(404)
      expect((await fetch(`${partial.info.http}/ipfs/${root.cid}?format=car`)).status).toBe(404)
      expect((await fetch(`${partial.info.http}/ipfs/${leaf.cid}?format=raw`)).status).toBe(200)
    } finally {
      await partial.stop()
    }
  })

  it('refuses a CAR holding a block that does not match its CID', async () => {
    const honest = new TextEncoder().encode('honest bytes')
    const cid = CID.createV1(raw.code, await sha256.digest(honest))
    const carPath = join(fixture.dir, 'forged.car')
    await writeCar(carPath, [cid], [{ cid, bytes: new TextEncoder().encode('forged bytes') }])

    await expect(startEdge({ serve: [carPath] })).rejects.toHaveProperty('name', 'BlockVerificationError')
  })

  it('refuses a CAR block named by a digest too short to prove anything, and keeps one truncated to 20 bytes', async () => {
    const code = new TextEncoder().encode('export default async () => new Response("any bytes at all")')
    for (const length of [0, 1, 19]) {
      const digest = (await sha256.digest(code)).digest.subarray(0, length)
      const cid = CID.createV1(raw.code, createDigest(sha256.code, digest))
      const carPath = join(fixture.dir, `short-${length}.car`)
      await writeCar(carPath, [cid], [{ cid, bytes: code }])
      await expect(startEdge({ serve: [carPath] }), `a ${length}-byte digest`).rejects.toHaveProperty('name', 'BlockVerificationError')
    }
    const truncated = CID.createV1(raw.code, createDigest(sha256.code, (await sha256.digest(code)).digest.subarray(0, 20)))
    const carPath = join(fixture.dir, 'truncated.car')
    await writeCar(carPath, [truncated], [{ cid: truncated, bytes: code }])
    const edge = await startEdge({ serve: [carPath] })
    try {
      expect(new Uint8Array(await (await fetch(`${edge.info.http}/ipfs/${truncated}?format=raw`)).arrayBuffer())).toEqual(code)
    } finally {
      await edge.stop()
    }
  })

  it('refuses a serve path that does not exist', async () => {
    await expect(startEdge({ serve: [join(fixture.dir, 'missing')] })).rejects.toHaveProperty('name', 'ServePathError')
  })

  it('keeps content and peer id across a restart with --repo', async () => {
    const repo = join(fixture.dir, 'repo')
    const first = await startEdge({ serve: [fixture.site], repo })
    const { peerId } = first.info
    await first.stop()

    const second = await startEdge({ repo })
    try {
      expect(second.info.peerId).toBe(peerId)
      const { response, bytes } = await fetchBytes(`${second.info.http}/ipfs/${root}?format=car`)
      expect(response.status).toBe(200)
      const car = await readVerifiedCar(bytes)
      const file = await catFile(car.blockstore, CID.parse(root), 'data/big.bin')
      expect(Buffer.from(file).equals(fixture.files['data/big.bin'])).toBe(true)
    } finally {
      await second.stop()
    }
  })
})
