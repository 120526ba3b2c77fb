/**
 * The content engine when sources misbehave or lack the content: a forged
 * block is a 502 and is never stored, an honest edge beside a lying one still
 * answers, and content nobody has is a prompt 504 (well before the request's
 * idle timeout, which these gateways set far beyond the test's own).
 */
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { absentCid, makeSite, randomFile, sha256 } from '../../e2e/support/content.ts'
import { startHostileEdge } from '../../e2e/support/lying-edge.ts'
import { closedPort, verifiedStoreSize } from './test-support/sources.ts'
import { errorOf, sourceCounts, startTestGateway } from './test-support/test-gateway.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { HostileEdge } from '../../e2e/support/lying-edge.ts'
import type { TestGateway } from './test-support/test-gateway.ts'
import type { MemoryBlockstore } from 'blockstore-core'

/** Far beyond any test's own timeout: an answer that waits for it fails the test */
const LONG_TIMEOUT_MS = 120_000
const PROMPT = { timeout: 15_000 }

/** 600 KiB: three blocks, so a CAR has a middle block to forge */
const FILE = randomFile(600 * 1024)

/** A directory CID (dag-pb) nobody has: a path into it cannot be judged missing */
async function absentDirectoryCid (): Promise<string> {
  return CID.createV1(0x70, await sha256Hasher.digest(randomBytes(32))).toString()
}

describe('the content engine with sources that lie, lack or are down', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let liar: HostileEdge
  let root: string
  const gateways: TestGateway[] = []

  const gatewayOf = async (...args: Parameters<typeof startTestGateway>): Promise<TestGateway> => {
    const gateway = await startTestGateway(...args)
    gateways.push(gateway)
    return gateway
  }

  beforeAll(async () => {
    site = await makeSite({ 'file.bin': FILE })
    edge = await startEdge({ serve: [site.dir] })
    root = edge.info.roots[site.dir]
    liar = await startHostileEdge(edge.info.http, { raw: 'flip-bit', car: 'flip-bit' })
  })

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map(async gateway => { await gateway.stop() }))
  })

  afterAll(async () => {
    await liar?.stop()
    await edge?.stop()
    await site?.remove()
  })

  it('a block that fails its hash, from the only edge, is a 502 and is never stored', PROMPT, async () => {
    const gateway = await gatewayOf({ edges: [liar.url], timeoutMs: LONG_TIMEOUT_MS })

    const response = await gateway.fetch(`/ipfs/${root}/file.bin`)

    expect(response.status).toBe(502)
    expect(await errorOf(response)).toBe('VerificationError')
    expect(sourceCounts(response)).toBeDefined()
    expect(liar.hostile().raw + liar.hostile().car).toBeGreaterThan(0)
    await gateway.settled()
    // the genuine blocks before the forged one may be kept; the forged one never is
    await verifiedStoreSize(gateway.store)
  })

  it('an honest edge behind a lying one still delivers the exact bytes', PROMPT, async () => {
    const gateway = await gatewayOf({ edges: [liar.url, edge.info.http], timeoutMs: LONG_TIMEOUT_MS })

    const response = await gateway.fetch(`/ipfs/${root}/file.bin`)

    expect(response.status).toBe(200)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(FILE))
    await gateway.settled()
    expect(await verifiedStoreSize(gateway.store)).toBeGreaterThan(0)
  })

  it('content no edge has and no router lists is a prompt 504 that says so', PROMPT, async () => {
    // the edge's own delegated routing: it lists nobody for content it lacks
    const gateway = await gatewayOf({ edges: [edge.info.http], routers: [edge.info.http], timeoutMs: LONG_TIMEOUT_MS })

    const response = await gateway.fetch(`/ipfs/${await absentCid()}`)

    expect(response.status).toBe(504)
    expect(await errorOf(response)).toBe('NoProvidersError')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('content no edge has, with HTTP edges only and no routers, is a prompt 504 too, not a 502', PROMPT, async () => {
    const gateway = await gatewayOf({ edges: [edge.info.http], timeoutMs: LONG_TIMEOUT_MS })

    // a browser's fetch() and navigation ask differently; neither may be told a source lied
    const [fetched, navigated, directory] = await Promise.all([
      gateway.fetch(`/ipfs/${await absentCid()}`, { headers: { accept: '*/*' } }),
      gateway.fetch(`/ipfs/${await absentCid()}`, { headers: { accept: 'text/html' } }),
      gateway.fetch(`/ipfs/${await absentDirectoryCid()}/index.html`)
    ])

    expect([fetched.status, navigated.status, directory.status]).toEqual([504, 504, 504])
    expect(await Promise.all([fetched, navigated, directory].map(errorOf))).toEqual(['NoProvidersError', 'NoProvidersError', 'NoProvidersError'])
  })

  it('an edge that is down is a prompt 504 that says so', PROMPT, async () => {
    const down = await closedPort()
    const gateway = await gatewayOf({ edges: [down], timeoutMs: LONG_TIMEOUT_MS })

    const response = await gateway.fetch(`/ipfs/${root}/file.bin`)

    expect(response.status).toBe(504)
    expect(await errorOf(response)).toBe('EdgesUnreachableError')
  })

  it('Cache-Control: only-if-cached answers from the store alone: 412 before the content is there, 200 after', PROMPT, async () => {
    const gateway = await gatewayOf({ edges: [edge.info.http], timeoutMs: LONG_TIMEOUT_MS })
    const offline = { 'cache-control': 'only-if-cached' }

    const before = await gateway.fetch(`/ipfs/${root}/file.bin`, { headers: offline })
    expect(before.status).toBe(412)
    await before.arrayBuffer()

    const online = await gateway.fetch(`/ipfs/${root}/file.bin`)
    await online.arrayBuffer()
    await gateway.settled()

    const after = await gateway.fetch(`/ipfs/${root}/file.bin`, { headers: offline })
    expect(after.status).toBe(200)
    expect(sha256(new Uint8Array(await after.arrayBuffer()))).toBe(sha256(FILE))
    expect(sourceCounts(after).edge).toBe(0)
  })

  it('a raw block that fails its hash is a 502 for ?format=raw as well', PROMPT, async () => {
    const gateway = await gatewayOf({ edges: [liar.url], timeoutMs: LONG_TIMEOUT_MS })
    const fileCid = CID.parse(root)

    const response = await gateway.fetch(`/ipfs/${fileCid.toString()}?format=raw`)

    expect(response.status).toBe(502)
    expect(await errorOf(response)).toBe('VerificationError')
    expect(await verifiedStoreSize(gateway.store)).toBe(0)
  })
})
