/**
 * Mutable names through the content engine: an IPNS key's signed record
 * (from the edge's delegated routing, verified here) and a DNSLink domain
 * (from the edge's DNS-over-HTTPS), each resolved to content the edge holds.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { createTestIpnsRecord, writeIpnsRecordFile } from '../../edge/test/ipns-fixtures.ts'
import { makeSite } from '../../e2e/support/content.ts'
import { HAMT_NAMES, hamtFileText, writeHamtCar } from './test-support/fixtures.ts'
import { errorOf, startTestGateway } from './test-support/test-gateway.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { TestIpnsRecord } from '../../edge/test/ipns-fixtures.ts'
import type { TestGateway } from './test-support/test-gateway.ts'

const DOMAIN = 'docs.example'
const TTL_SECONDS = 120

describe('the content engine for /ipns/ names', () => {
  let dir: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let record: TestIpnsRecord
  let root: string
  let gateway: TestGateway

  beforeAll(async () => {
    dir = await makeSite({})
    const hamt = await writeHamtCar(dir.dir)
    root = hamt.root.toString()
    record = await createTestIpnsRecord({ value: `/ipfs/${root}`, ttlSeconds: TTL_SECONDS })
    const recordFile = await writeIpnsRecordFile(dir.dir, `${record.name}.ipns-record`, record)
    edge = await startEdge({ serve: [hamt.file, recordFile], dnslink: { [DOMAIN]: `/ipfs/${root}` } })
  })

  afterAll(async () => {
    await edge?.stop()
    await dir?.remove()
  })

  beforeEach(async () => {
    gateway = await startTestGateway({ edges: [edge.info.http], dohResolver: edge.info.dns })
  })

  afterEach(async () => {
    await gateway?.stop()
  })

  it('an IPNS key name is the content its signed record points to, cacheable for the record\'s TTL', async () => {
    const response = await gateway.fetch(`/ipns/${record.name}/${HAMT_NAMES[3]}`)

    expect(response.status).toBe(200)
    expect(await response.text()).toBe(hamtFileText(HAMT_NAMES[3]))
    expect(response.headers.get('x-ipfs-path')).toBe(`/ipns/${record.name}/${HAMT_NAMES[3]}`)
    expect(response.headers.get('cache-control')).toBe(`public, max-age=${TTL_SECONDS}`)
    expect(response.headers.get('etag')).not.toBeNull()
  })

  it('an IPNS name given as a peer id is a redirect to its canonical form', async () => {
    const response = await gateway.fetch(`/ipns/${record.peerId}/${HAMT_NAMES[3]}`)

    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`/ipns/${record.name}/${HAMT_NAMES[3]}`)
  })

  it('?format=ipns-record is the signed record itself, for the client to verify', async () => {
    const response = await gateway.fetch(`/ipns/${record.name}?format=ipns-record`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vnd.ipfs.ipns-record')
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(record.bytes))).toBe(true)
  })

  it('a DNSLink domain is the content its TXT record names', async () => {
    const response = await gateway.fetch(`/ipns/${DOMAIN}/${HAMT_NAMES[5]}`)

    expect(response.status).toBe(200)
    expect(await response.text()).toBe(hamtFileText(HAMT_NAMES[5]))
    expect(response.headers.get('x-ipfs-path')).toBe(`/ipns/${DOMAIN}/${HAMT_NAMES[5]}`)
    expect(response.headers.get('cache-control')).not.toContain('immutable')
  })

  it('a name nobody publishes is a 404 that says the name did not resolve and what was asked, not a verification failure', async () => {
    const unknownKey = await createTestIpnsRecord()
    const [key, domain] = await Promise.all([
      gateway.fetch(`/ipns/${unknownKey.name}/`, { headers: { Accept: 'application/json' } }),
      gateway.fetch('/ipns/nowhere.example/', { headers: { Accept: 'application/json' } })
    ])

    expect([key.status, domain.status]).toEqual([404, 404])
    const [keyError, domainError] = await Promise.all([key.json(), domain.json()]) as Array<{ error: string, message: string }>
    expect([keyError.error, domainError.error]).toEqual(['NameNotFoundError', 'NameNotFoundError'])
    expect(keyError.message).toContain(`The IPNS name ${unknownKey.name} did not resolve`)
    expect(keyError.message).toContain(edge.info.http)
    expect(domainError.message).toContain('The DNSLink name nowhere.example did not resolve')
    expect(domainError.message).toContain('_dnslink.nowhere.example')
    expect(domainError.message).not.toMatch(/failed$|\b16\b/)

    const page = await (await gateway.fetch('/ipns/nowhere.example/')).text()
    expect(page).toContain('The name did not resolve')
    expect(page).not.toContain('did not match their hash')
    expect(page).toContain('<a href="/">Edgeway gateway</a>')
  })

  it('on the name\'s own origin, the error page links back to the gateway\'s origin, not to the name\'s root', async () => {
    const response = await gateway.fetch('http://nowhere-example.ipns.localhost/')
    expect(response.status).toBe(404)
    expect(await response.text()).toContain('<a href="http://localhost/">Edgeway gateway</a>')
  })

  it('a DNSLink name whose resolver cannot be reached is a 502 that says the name could not be looked up', async () => {
    const offline = await startTestGateway({ edges: [edge.info.http], dohResolver: 'http://127.0.0.1:9/dns-query' })
    try {
      const response = await offline.fetch(`/ipns/${DOMAIN}/`)
      expect(response.status).toBe(502)
      expect(await errorOf(response)).toBe('NameResolutionError')
      const page = await (await offline.fetch(`/ipns/${DOMAIN}/`)).text()
      expect(page).toContain(`The DNSLink name ${DOMAIN} could not be looked up`)
      expect(page).toContain('The name did not resolve')
      expect(page).not.toContain('did not match their hash')
    } finally {
      await offline.stop()
    }
  })
})
