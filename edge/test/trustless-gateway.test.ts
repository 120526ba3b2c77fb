import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { catFile, createSiteFixture, fetchBytes, readVerifiedCar, sha256Matches } from './fixtures.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

const ABSENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('trustless gateway', () => {
  let fixture: SiteFixture
  let edge: Edge
  let root: string

  beforeAll(async () => {
    fixture = await createSiteFixture()
    edge = await startEdge({ serve: [fixture.site] })
    root = edge.info.roots[fixture.site]
  })

  afterAll(async () => {
    await edge?.stop()
    await fixture?.cleanup()
  })

  it('serves a raw block whose sha2-256 matches its CID', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}`, {
      headers: { Accept: 'application/vnd.ipld.raw' }
    })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    expect(response.headers.get('content-length')).toBe(String(bytes.byteLength))
    expect(response.headers.get('etag')).toBe(`"${root}.raw"`)
    expect(response.headers.get('cache-control')).toContain('immutable')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(await sha256Matches(CID.parse(root), bytes)).toBe(true)
  })

  it('names the download after ?filename= for a block and a CAR, and after the CID without one', async () => {
    const raw = await fetch(`${edge.info.http}/ipfs/${root}?format=raw&filename=foobar.bin`)
    const car = await fetch(`${edge.info.http}/ipfs/${root}?format=car&filename=${encodeURIComponent('site ü.car')}`)
    const plain = await fetch(`${edge.info.http}/ipfs/${root}?format=car`)

    expect(raw.headers.get('content-disposition')).toBe('attachment; filename="foobar.bin"')
    expect(car.headers.get('content-disposition')).toBe('attachment; filename="site _.car"; filename*=UTF-8\'\'site%20%C3%BC.car')
    expect(plain.headers.get('content-disposition')).toBe(`attachment; filename="${root}.car"`)
    await Promise.all([raw.arrayBuffer(), car.arrayBuffer(), plain.arrayBuffer()])
  })

  it('answers ?format=raw and HEAD with the same headers', async () => {
    const get = await fetch(`${edge.info.http}/ipfs/${root}?format=raw`)
    const head = await fetch(`${edge.info.http}/ipfs/${root}?format=raw`, { method: 'HEAD' })

    expect(get.status).toBe(200)
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'))
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  it('streams a CAR of the whole DAG that verifies and reassembles', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}`, {
      headers: { Accept: 'application/vnd.ipld.car' }
    })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
    const car = await readVerifiedCar(bytes)
    expect(car.roots.map(String)).toEqual([root])
    expect(car.cids[0].toString()).toBe(root)
    expect(new Set(car.cids.map(String)).size).toBe(car.cids.length)

    for (const [path, expected] of Object.entries(fixture.files)) {
      expect(Buffer.from(await catFile(car.blockstore, CID.parse(root), path)).equals(expected)).toBe(true)
    }
  })

  it('serves a file by path as a CAR with the path blocks and the file DAG', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${root}/data/big.bin?format=car`)

    expect(response.status).toBe(200)
    const car = await readVerifiedCar(bytes)
    expect(car.cids[0].toString()).toBe(root)
    const file = await catFile(car.blockstore, CID.parse(root), 'data/big.bin')
    expect(Buffer.from(file).equals(fixture.files['data/big.bin'])).toBe(true)
    expect(response.headers.get('x-ipfs-roots')?.split(',')).toHaveLength(3)
  })

  it('honours dag-scope=block and dag-scope=entity', async () => {
    const block = await fetchBytes(`${edge.info.http}/ipfs/${root}?format=car&dag-scope=block`)
    expect((await readVerifiedCar(block.bytes)).cids.map(String)).toEqual([root])

    // a directory entity is the directory node without its children
    const entity = await fetchBytes(`${edge.info.http}/ipfs/${root}?format=car&dag-scope=entity`)
    expect((await readVerifiedCar(entity.bytes)).cids.map(String)).toEqual([root])
  })

  it('answers 404 quickly for a block it does not hold', async () => {
    const started = Date.now()
    const raw = await fetch(`${edge.info.http}/ipfs/${ABSENT}?format=raw`)
    const car = await fetch(`${edge.info.http}/ipfs/${ABSENT}?format=car`)

    expect(raw.status).toBe(404)
    expect(car.status).toBe(404)
    expect(raw.headers.get('access-control-allow-origin')).toBe('*')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('answers 404 for a path that is not in the DAG', async () => {
    const response = await fetch(`${edge.info.http}/ipfs/${root}/no/such/file?format=car`)
    expect(response.status).toBe(404)
  })

  it('answers 400 for an invalid CID or dag-scope', async () => {
    expect((await fetch(`${edge.info.http}/ipfs/not-a-cid?format=raw`)).status).toBe(400)
    expect((await fetch(`${edge.info.http}/ipfs/${root}?format=car&dag-scope=most`)).status).toBe(400)
  })

  it('answers 406 when no trustless format is asked for, and says why', async () => {
    const response = await fetch(`${edge.info.http}/ipfs/${root}`, { headers: { Accept: 'text/html' } })
    expect(response.status).toBe(406)
    expect(await response.text()).toContain('trustless gateway')
  })

  it('answers CORS preflights with 204', async () => {
    const response = await fetch(`${edge.info.http}/ipfs/${root}?format=raw`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'accept' }
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-allow-methods')).toContain('GET')
  })

  it('answers 404 text for anything else', async () => {
    const response = await fetch(`${edge.info.http}/nothing-here`)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('text/plain')
  })
})
