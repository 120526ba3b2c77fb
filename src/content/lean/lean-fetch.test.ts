/**
 * The SDK's lean path against a real edge on loopback: the bytes and headers
 * a dApp gets, what it hands to the full engine, and edges that lie, break
 * off, lack the content or are down.
 */
import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { equals } from 'uint8arrays/equals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../../edge/node/start-edge.ts'
import { absentCid, makeSite, randomFile, sha256 } from '../../../e2e/support/content.ts'
import { startCountingEdgeProxy } from '../../../e2e/support/counting-edge-proxy.ts'
import { startHostileEdge } from '../../../e2e/support/lying-edge.ts'
import { parseConfig } from '../../lib/config.ts'
import { parseSourceHeader } from '../../lib/source-tally.ts'
import { EdgeHealth } from '../../node/edge-health-tracker.ts'
import { writeHamtCar } from '../test-support/fixtures.ts'
import { closedPort, verifiedStoreSize } from '../test-support/sources.ts'
import { createLeanFetch } from './lean-fetch.ts'
import type { Edge } from '../../../edge/node/types.ts'
import type { HostileEdge } from '../../../e2e/support/lying-edge.ts'
import type { LeanFetch } from './lean-fetch.ts'

const PROMPT = { timeout: 15_000 }
/** 1.2 MiB: five blocks under a root, so a CAR has middle blocks to forge and to break off in */
const FILE = randomFile(1200 * 1024 + 7)
const PAGE = '<!doctype html><title>lean</title><p>index</p>'
/** 3 MiB of zeros: twelve leaves that are one block, which a CAR sends once */
const ZEROS = new Uint8Array(3 * 1024 * 1024)
/** 32 MiB: more than the lean path reads ahead of its reader and loopback buffers hold */
const BIG = randomFile(32 * 1024 * 1024)

/** Far beyond any test's own timeout: an answer that waits for it fails the test */
const LONG_TIMEOUT_MS = 120_000

function leanFetch (edges: string[], store = new MemoryBlockstore(), handsOver = false, timeoutMs = LONG_TIMEOUT_MS): LeanFetch {
  const config = parseConfig({ edges, timeoutMs })
  return createLeanFetch({ config, store, health: new EdgeHealth() }, () => handsOver)
}

async function bodyHash (response: Response): Promise<string> {
  return sha256(new Uint8Array(await response.arrayBuffer()))
}

const GET = (): { headers: Headers } => ({ headers: new Headers() })

/** The error an error page names (`data-error`) */
async function errorName (response: Response | undefined): Promise<string | undefined> {
  return /data-error="([\w-]+)"/.exec(await response?.text() ?? '')?.[1]
}

describe('the SDK lean path', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let hostile: HostileEdge
  let root: string
  let cars: Awaited<ReturnType<typeof makeSite>>
  let dagNode: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': PAGE, 'app/data.bin': FILE, 'notes.txt': 'plain words', 'empty/x/readme.md': '# x', 'big.bin': BIG, 'zeros.bin': ZEROS, '文件 1.txt': 'unicode name' })
    cars = await makeSite({})
    dagNode = (await writeHamtCar(cars.dir)).dagNode.toString()
    edge = await startEdge({ serve: [site.dir, join(cars.dir, 'hamt.car')] })
    root = edge.info.roots[site.dir]
    hostile = await startHostileEdge(edge.info.http, { raw: 'honest', car: 'honest' })
  })

  afterAll(async () => {
    await hostile?.stop()
    await edge?.stop()
    await site?.remove()
    await cars?.remove()
  })

  it('answers a file with its exact bytes and headers, keeps its blocks, and reads them back offline', PROMPT, async () => {
    const store = new MemoryBlockstore()
    const response = await leanFetch([edge.info.http], store)(`ipfs://${root}/app/data.bin`, GET())

    expect(response?.status).toBe(200)
    expect(response?.headers.get('content-length')).toBe(String(FILE.byteLength))
    expect(response?.headers.get('content-type')).toBe('application/octet-stream')
    expect(response?.headers.get('etag')).toMatch(/^"b[a-z2-7]+"$/)
    expect(response?.headers.get('x-ipfs-path')).toBe(`/ipfs/${root}/app/data.bin`)
    expect(parseSourceHeader(response?.headers.get('x-edgeway-source') ?? null)?.edge).toBeGreaterThan(0)
    expect(await bodyHash(response as Response)).toBe(sha256(FILE))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(await verifiedStoreSize(store)).toBeGreaterThanOrEqual(7)

    // every edge down: the store has it all
    const offline = await leanFetch([await closedPort()], store)(`/ipfs/${root}/app/data.bin`, GET())
    expect(offline?.status).toBe(200)
    expect(parseSourceHeader(offline?.headers.get('x-edgeway-source') ?? null)).toMatchObject({ edge: 0 })
    expect(await bodyHash(offline as Response)).toBe(sha256(FILE))
  })

  it('answers a directory asked for as one with its index.html, and HEAD with headers only', PROMPT, async () => {
    const fetch = leanFetch([edge.info.http])
    const page = await fetch(`ipfs://${root}/`, GET())
    expect(page?.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page?.text()).toBe(PAGE)

    const head = await fetch(`ipfs://${root}/notes.txt`, { method: 'HEAD', headers: new Headers() })
    expect(head?.status).toBe(200)
    expect(head?.headers.get('content-type')).toBe('text/plain')
    expect(head?.headers.get('content-length')).toBe('11')
    expect(await head?.text()).toBe('')
  })

  it('answers a file that repeats a block, and a name outside ASCII', PROMPT, async () => {
    const fetch = leanFetch([edge.info.http])
    const zeros = await fetch(`ipfs://${root}/zeros.bin`, GET())
    expect(await bodyHash(zeros as Response)).toBe(sha256(ZEROS))
    const named = await fetch(`ipfs://${root}/文件 1.txt`, GET())
    expect(named?.status).toBe(200)
    expect(named?.headers.get('x-ipfs-path')).toBe(`/ipfs/${root}/${encodeURIComponent('文件')}%201.txt`)
    expect(await named?.text()).toBe('unicode name')
  })

  it('answers a path that is not in the DAG with a 404 that says so', PROMPT, async () => {
    const response = await leanFetch([edge.info.http])(`ipfs://${root}/app/missing.bin`, GET())
    expect(response?.status).toBe(404)
    expect(await errorName(response)).toBe('NotInDagError')
  })

  it('hands to the full engine what it does not do', PROMPT, async () => {
    const fetch = leanFetch([edge.info.http])
    for (const [url, init] of [
      [`ipfs://${root}/empty/`, GET()], // a directory without index.html: a listing
      [`ipfs://${root}/app`, GET()], // a directory without its slash: a redirect
      [`ipfs://${root}/app/data.bin`, { headers: new Headers({ range: 'bytes=0-9' }) }],
      [`ipfs://${root}/app/data.bin`, { headers: new Headers({ accept: 'application/vnd.ipld.car' }) }],
      [`ipfs://${root}/app/data.bin?format=raw`, GET()],
      [`ipfs://${root}/app/data.bin`, { method: 'POST', headers: new Headers() }],
      ['ipns://k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8/', GET()],
      [`ipfs://${root.toUpperCase()}/`, GET()],
      [`ipfs://${root}/notes.txt`, { headers: new Headers({ accept: 'application/json' }) }],
      [`ipfs://${root}/notes.txt`, { headers: new Headers(), cache: 'only-if-cached' as const }],
      [`ipfs://${root}/app/`, { headers: new Headers(), redirect: 'manual' as const }],
      [`ipfs://${dagNode}/site/entry-00.txt`, GET()] // through DAG-CBOR
    ] as const) {
      expect(await fetch(url, init), url).toBeUndefined()
    }
  })

  it('gets the exact bytes from an honest edge when the best one lies, and stores nothing forged', PROMPT, async () => {
    hostile.behave({ raw: 'flip-bit', car: 'flip-bit' })
    const store = new MemoryBlockstore()
    const response = await leanFetch([hostile.url, edge.info.http], store)(`ipfs://${root}/app/data.bin`, GET())
    expect(await bodyHash(response as Response)).toBe(sha256(FILE))
    expect(hostile.hostile().car).toBeGreaterThan(0)
    await new Promise(resolve => setTimeout(resolve, 50))
    await verifiedStoreSize(store)
  })

  it('a lie from the only edge breaks the body off after the genuine bytes before it', PROMPT, async () => {
    hostile.behave({ raw: 'flip-bit', car: 'flip-bit' })
    const response = await leanFetch([hostile.url])(`ipfs://${root}/app/data.bin`, GET())
    // the first block was genuine, so the answer had begun; the forged middle block never reaches the reader
    expect(response?.status).toBe(200)
    const reader = (response as Response).body!.getReader()
    const read: Uint8Array[] = []
    const end = await (async () => {
      while (true) {
        const next = await reader.read()
        if (next.done) return 'complete'
        read.push(next.value)
      }
    })().catch((err: Error) => err.name)
    expect(end).toBe('VerificationError')
    const prefix = Buffer.concat(read)
    expect(prefix.byteLength).toBeLessThan(FILE.byteLength)
    expect(equals(prefix, FILE.subarray(0, prefix.byteLength))).toBe(true)
  })

  it('with one edge that broke off mid-CAR, asks it for the rest block by block', PROMPT, async () => {
    hostile.behave({ raw: 'honest', car: 'drop', afterBytes: 300 * 1024 })
    const response = await leanFetch([hostile.url])(`ipfs://${root}/app/data.bin`, GET())
    expect(await bodyHash(response as Response)).toBe(sha256(FILE))
  })

  it('keeps only the blocks the walk used: an edge\'s extra blocks never reach the store', PROMPT, async () => {
    hostile.behave({ raw: 'honest', car: 'extra-blocks' })
    const store = new MemoryBlockstore()
    const response = await leanFetch([hostile.url], store)(`ipfs://${root}/app/data.bin`, GET())
    expect(await bodyHash(response as Response)).toBe(sha256(FILE))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(hostile.hostile().car).toBe(1)
    expect(await store.has(hostile.decoy.cid)).toBe(false)
    expect(await verifiedStoreSize(store)).toBeGreaterThan(0)
  })

  it('finishes from another edge what an edge that broke off mid-CAR did not send', PROMPT, async () => {
    hostile.behave({ raw: 'honest', car: 'drop', afterBytes: 300 * 1024 })
    const response = await leanFetch([hostile.url, edge.info.http])(`ipfs://${root}/app/data.bin`, GET())
    expect(response?.status).toBe(200)
    expect(await bodyHash(response as Response)).toBe(sha256(FILE))
    expect(hostile.hostile().car).toBe(1)
  })

  it('lets the CAR go when nobody reads on, and a reader that comes back still gets the exact bytes', PROMPT, async () => {
    const proxy = await startCountingEdgeProxy(edge.info.http)
    try {
      // past what the walk reads ahead (8 MiB), so the CAR waits for the reader, then gives up after the idle time
      const big = await leanFetch([proxy.url], undefined, false, 300)(`ipfs://${root}/big.bin`, GET())
      const reader = (big as Response).body!.getReader()
      const read: Uint8Array[] = [(await reader.read()).value!]
      await new Promise(resolve => setTimeout(resolve, 1_000))
      const sentWhilePaused = proxy.bytes()
      expect(sentWhilePaused).toBeLessThan(BIG.byteLength)
      for (let next = await reader.read(); !next.done; next = await reader.read()) read.push(next.value)
      expect(sha256(Buffer.concat(read))).toBe(sha256(BIG))
      // one CAR, then the rest block by block
      const requests = proxy.requests()
      expect(requests.filter(url => url.includes('format=car'))).toHaveLength(1)
      expect(requests.filter(url => url.includes('format=raw')).length).toBeGreaterThan(0)
    } finally {
      await proxy.stop()
    }
  })

  it('content no edge has is a prompt 504, or the full engine\'s when it has other ways to find it', PROMPT, async () => {
    const absent = await absentCid()
    const response = await leanFetch([edge.info.http, await closedPort()])(`ipfs://${absent}`, GET())
    expect(response?.status).toBe(504)
    expect(await errorName(response)).toBe('NoProvidersError')
    expect(response?.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
    expect(await leanFetch([edge.info.http], undefined, true)(`ipfs://${absent}`, GET())).toBeUndefined()
    expect(CID.parse(absent).version).toBe(1)
  })
})
