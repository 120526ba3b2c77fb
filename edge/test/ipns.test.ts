import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { IPNSEntry, ipnsValidator } from '@helia/ipns'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ipnsMaxAge } from '../node/delegated-routing.ts'
import { parseIpnsName } from '../node/ipns-name.ts'
import { readIpnsRecord } from '../node/ipns-record.ts'
import { startEdge } from '../node/start-edge.ts'
import { fetchBytes } from './fixtures.ts'
import { createTestIpnsRecord, writeIpnsRecordFile } from './ipns-fixtures.ts'
import type { TestIpnsRecord } from './ipns-fixtures.ts'
import type { Edge } from '../node/types.ts'

const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'
/** What `ipnsValidator` needs of a keychain: the verifier is libp2p's, not the signer's library */
const keychain = { loadPublicKeyFromProtobuf: publicKeyFromProtobuf } as any

describe('IPNS records from --serve', () => {
  let dir: string
  let edge: Edge
  let honest: TestIpnsRecord
  let v2Only: TestIpnsRecord
  let broken: TestIpnsRecord
  const paths: Record<string, string> = {}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-ipns-test-'))
    honest = await createTestIpnsRecord({ ttlSeconds: 120 })
    v2Only = await createTestIpnsRecord({ ttlSeconds: 7200, v1Compatible: false })
    broken = await createTestIpnsRecord({ brokenSignature: true })
    paths.honest = await writeIpnsRecordFile(dir, `${honest.name}_v1-v2.ipns-record`, honest)
    paths.v2Only = await writeIpnsRecordFile(dir, `${v2Only.cid}.ipns-record`, v2Only)
    paths.broken = await writeIpnsRecordFile(dir, `${broken.peerId}_broken-signature.ipns-record`, broken)
    edge = await startEdge({ serve: Object.values(paths) })
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers a held record byte for byte, with a max-age from its TTL', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/routing/v1/ipns/${honest.name}`, { headers: { Accept: IPNS_RECORD } })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(IPNS_RECORD)
    expect(response.headers.get('cache-control')).toBe('public, max-age=120')
    expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(Buffer.from(bytes).equals(Buffer.from(honest.bytes))).toBe(true)
    await expect(ipnsValidator(honest.routingKey, bytes, keychain)).resolves.toBeDefined()
  })

  it('finds a record by any spelling of its name', async () => {
    for (const record of [honest, v2Only, broken]) {
      for (const spelling of [record.name, record.cid, record.peerId]) {
        const { response, bytes } = await fetchBytes(`${edge.info.http}/routing/v1/ipns/${spelling}`)
        expect(response.status, spelling).toBe(200)
        expect(Buffer.from(bytes).equals(Buffer.from(record.bytes))).toBe(true)
      }
    }
  })

  it('is what Helia\'s delegated routing client gets', async () => {
    const router = delegatedHTTPRouter({ url: edge.info.http })({ logger: defaultLogger() })
    const bytes = await router.get?.(honest.routingKey)
    expect(bytes == null ? undefined : Buffer.from(bytes).equals(Buffer.from(honest.bytes))).toBe(true)
  })

  it('serves a record with a broken signature as it is, for the resolver to reject', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/routing/v1/ipns/${broken.name}`)

    expect(response.status).toBe(200)
    expect(Buffer.from(bytes).equals(Buffer.from(broken.bytes))).toBe(true)
    await expect(ipnsValidator(broken.routingKey, bytes, keychain)).rejects.toHaveProperty('name', 'SignatureVerificationError')
  })

  it('caps max-age at an hour, reading the TTL of a V2-only record from its signed data', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/ipns/${v2Only.name}`)
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600')
  })

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/ipns/${honest.name}`, { method: 'HEAD' })

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(IPNS_RECORD)
    expect(response.headers.get('content-length')).toBe(String(honest.bytes.byteLength))
    expect((await response.arrayBuffer()).byteLength).toBe(0)
  })

  it('answers 404 with an empty body for a name it holds no record for', async () => {
    const other = await createTestIpnsRecord()
    const response = await fetch(`${edge.info.http}/routing/v1/ipns/${other.name}`)

    expect(response.status).toBe(404)
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
    expect(await response.text()).toBe('')
  })

  it('answers 400 for text that is no IPNS name, and for a CID of content', async () => {
    for (const name of ['not-a-name', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'QmNotBase58!']) {
      expect((await fetch(`${edge.info.http}/routing/v1/ipns/${name}`)).status, name).toBe(400)
    }
  })

  it('answers 406 to a client that accepts only something else', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/ipns/${honest.name}`, { headers: { Accept: 'application/json' } })
    expect(response.status).toBe(406)
  })

  it('lists the names it holds in /info, apart from the content roots', async () => {
    expect(edge.info.ipns).toEqual({ [paths.honest]: honest.name, [paths.v2Only]: v2Only.name, [paths.broken]: broken.name })
    expect(edge.info.roots).toEqual({})
    expect((await (await fetch(`${edge.info.http}/info`)).json()).ipns).toEqual(edge.info.ipns)
  })
})

describe('IPNS record import errors', () => {
  let dir: string

  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'edgeway-ipns-test-')) })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('refuses a file that is not an IPNS record at all', async () => {
    const { name } = await createTestIpnsRecord()
    const path = join(dir, `${name}.ipns-record`)
    await writeFile(path, 'just some text\n')

    await expect(startEdge({ serve: [path] })).rejects.toHaveProperty('name', 'InvalidIpnsRecordError')
  })

  it('refuses a file name that does not start with an IPNS name', async () => {
    const record = await createTestIpnsRecord()
    const path = await writeIpnsRecordFile(dir, 'my-site.ipns-record', record)

    await expect(startEdge({ serve: [path] })).rejects.toHaveProperty('name', 'ServePathError')
  })

  it('refuses two records for one name', async () => {
    const record = await createTestIpnsRecord()
    const first = await writeIpnsRecordFile(dir, `${record.name}_a.ipns-record`, record)
    const second = await writeIpnsRecordFile(dir, `${record.peerId}_b.ipns-record`, record)

    await expect(startEdge({ serve: [first, second] })).rejects.toHaveProperty('name', 'ServePathError')
  })
})

describe('parseIpnsName', () => {
  it('maps every spelling of a name to one key', async () => {
    const record = await createTestIpnsRecord()
    const parsed = [record.name, record.cid, record.peerId].map(parseIpnsName)

    expect(parsed.map(({ key }) => key)).toEqual([record.peerId, record.peerId, record.peerId])
    expect(parsed.map(({ name }) => name)).toEqual([record.name, record.name, record.name])
  })

  it('reads a hashed (Qm…) peer id', () => {
    const qm = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
    expect(parseIpnsName(qm).key).toBe(qm)
    expect(parseIpnsName(parseIpnsName(qm).name).key).toBe(qm)
  })

  it('refuses what is no name', () => {
    for (const text of ['', 'example.org', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '12D3KooW0OIl']) {
      expect(() => parseIpnsName(text), text).toThrow(expect.objectContaining({ name: 'InvalidIpnsNameError' }))
    }
  })
})

describe('readIpnsRecord', () => {
  it('reads TTL and expiry from the signed data, which wins over the V1 fields', async () => {
    const record = await createTestIpnsRecord({ ttlSeconds: 90, lifetimeMs: 60_000 })
    const entry = IPNSEntry.decode(record.bytes)
    const tampered = IPNSEntry.encode({ ...entry, ttl: 5_000_000_000n })

    const facts = readIpnsRecord(tampered)
    expect(facts.ttlSeconds).toBe(90)
    expect(Math.abs((facts.expires?.getTime() ?? 0) - (Date.now() + 60_000))).toBeLessThan(5_000)
  })

  it('reads a V1-only record from its protobuf fields', () => {
    const v1Only = IPNSEntry.encode({
      value: new TextEncoder().encode('/ipfs/bafkqaddwgevxmmraojswg33smq'),
      signatureV1: new Uint8Array(64),
      validityType: IPNSEntry.ValidityType.EOL,
      validity: new TextEncoder().encode('2123-08-14T12:17:03.694052Z'),
      sequence: 0n,
      ttl: 1_800_000_000_000n
    })

    expect(readIpnsRecord(v1Only)).toEqual({ ttlSeconds: 1800, expires: new Date('2123-08-14T12:17:03.694Z') })
  })

  it('refuses bytes that are no record', () => {
    for (const bytes of [new TextEncoder().encode('hello'), new Uint8Array([0x0a, 0x05, 0x01])]) {
      expect(() => readIpnsRecord(bytes)).toThrow(expect.objectContaining({ name: 'InvalidIpnsRecordError' }))
    }
  })
})

describe('ipnsMaxAge', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')

  it('follows the TTL, defaults to 60 s and stops at an hour', () => {
    expect(ipnsMaxAge({ ttlSeconds: 300 }, now)).toBe(300)
    expect(ipnsMaxAge({}, now)).toBe(60)
    expect(ipnsMaxAge({ ttlSeconds: 86_400 }, now)).toBe(3600)
  })

  it('never outlives the record', () => {
    expect(ipnsMaxAge({ ttlSeconds: 300, expires: new Date(now + 30_500) }, now)).toBe(30)
    expect(ipnsMaxAge({ ttlSeconds: 300, expires: new Date(now - 1000) }, now)).toBe(0)
  })
})
