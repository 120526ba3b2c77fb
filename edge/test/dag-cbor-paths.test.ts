import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { fetchBytes, readVerifiedCar, writeCar } from './fixtures.ts'
import type { Edge } from '../node/types.ts'

async function block<T> (codec: { code: number, encode(value: T): Uint8Array }, value: T): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = codec.encode(value)
  return { cid: CID.createV1(codec.code, await sha256.digest(bytes)), bytes }
}

describe('trustless gateway: paths through DAG-CBOR', () => {
  let dir: string
  let edge: Edge
  let file: { cid: CID, bytes: Uint8Array }
  let document: { cid: CID, bytes: Uint8Array }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-dag-cbor-paths-'))
    file = await block(raw, new TextEncoder().encode('hello from a file linked by a DAG-CBOR document\n'))
    // the link sits two segments deep inside one block: `files` is a map, `single` the link
    document = await block(dagCbor, { title: 'doc', files: { single: file.cid, list: [file.cid] } })
    const carPath = join(dir, 'document.car')
    await writeCar(carPath, [document.cid], [document, file])
    edge = await startEdge({ serve: [carPath] })
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers a CAR with the DAG-CBOR block and then the linked block, both verified', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${document.cid}/files/single?format=car`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/vnd.ipld.car')
    expect(response.headers.get('x-ipfs-roots')).toBe(`${document.cid},${file.cid}`)
    const car = await readVerifiedCar(bytes)
    expect(car.cids.map(String)).toEqual([document.cid.toString(), file.cid.toString()])
  })

  it('follows a link inside a list by its index', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${document.cid}/files/list/0`, { headers: { Accept: 'application/vnd.ipld.car' } })

    expect(response.status).toBe(200)
    expect((await readVerifiedCar(bytes)).cids.map(String)).toEqual([document.cid.toString(), file.cid.toString()])
  })

  it('answers 404 for a key the document lacks, 501 for a path that ends inside the block', async () => {
    expect((await fetch(`${edge.info.http}/ipfs/${document.cid}/files/nope?format=car`)).status).toBe(404)
    const inside = await fetch(`${edge.info.http}/ipfs/${document.cid}/title?format=car`)
    expect(inside.status).toBe(501)
    expect(await inside.text()).toContain('not at a link')
  })
})
