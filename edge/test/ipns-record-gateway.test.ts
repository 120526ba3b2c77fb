import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IPNSEntry } from '@helia/ipns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { fetchBytes } from './fixtures.ts'
import { createTestIpnsRecord, writeIpnsRecordFile } from './ipns-fixtures.ts'
import type { TestIpnsRecord } from './ipns-fixtures.ts'
import type { Edge } from '../node/types.ts'

const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'

describe('IPNS records at /ipns/<name> (trustless gateway)', () => {
  let dir: string
  let edge: Edge
  let record: TestIpnsRecord

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-ipns-gateway-test-'))
    record = await createTestIpnsRecord({ ttlSeconds: 1800, value: '/ipfs/bafkqaddwgevxmmraojswg33smq' })
    edge = await startEdge({ serve: [await writeIpnsRecordFile(dir, `${record.name}.ipns-record`, record)] })
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the record byte for byte as a download for ?format=ipns-record', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipns/${record.name}?format=ipns-record`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(IPNS_RECORD)
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${record.name}.ipns-record"`)
    expect(response.headers.get('cache-control')).toBe('public, max-age=1800')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(bytes).equals(Buffer.from(record.bytes))).toBe(true)
    expect(new TextDecoder().decode(IPNSEntry.decode(bytes).value)).toBe('/ipfs/bafkqaddwgevxmmraojswg33smq')
  })

  it('serves it for Accept: application/vnd.ipfs.ipns-record, under any spelling of the name, and for HEAD', async () => {
    const byAccept = await fetchBytes(`${edge.info.http}/ipns/${record.peerId}`, { headers: { Accept: IPNS_RECORD } })
    expect(byAccept.response.status).toBe(200)
    expect(Buffer.from(byAccept.bytes).equals(Buffer.from(record.bytes))).toBe(true)
    expect(byAccept.response.headers.get('content-disposition')).toBe(`attachment; filename="${record.peerId}.ipns-record"`)

    const head = await fetch(`${edge.info.http}/ipns/${record.cid}?format=ipns-record`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(record.bytes.byteLength))
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  it('names the download after ?filename=, with an ASCII fallback for a non-ASCII name', async () => {
    const response = await fetch(`${edge.info.http}/ipns/${record.name}?format=ipns-record&filename=${encodeURIComponent('testтест.ipns-record')}`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="test____.ipns-record"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.ipns-record')
  })

  it('answers 406 when the record is not asked for: the edge resolves no name to content', async () => {
    for (const init of [{}, { headers: { Accept: '*/*' } }, { headers: { Accept: `${IPNS_RECORD};q=0, text/html` } }]) {
      const response = await fetch(`${edge.info.http}/ipns/${record.name}`, init)
      expect(response.status).toBe(406)
      expect(await response.text()).toContain(IPNS_RECORD)
    }
    expect((await fetch(`${edge.info.http}/ipns/${record.name}?format=car`)).status).toBe(406)
  })

  it('answers 404 for a name it holds no record for, 400 for text that is no name or has a path', async () => {
    const other = await createTestIpnsRecord()
    expect((await fetch(`${edge.info.http}/ipns/${other.name}?format=ipns-record`)).status).toBe(404)
    expect((await fetch(`${edge.info.http}/ipns/example.com?format=ipns-record`)).status).toBe(400)
    expect((await fetch(`${edge.info.http}/ipns/${record.name}/a/b?format=ipns-record`)).status).toBe(400)
  })
})
