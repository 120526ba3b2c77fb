import { createServer } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EdgeCarFetcher } from './edge-car-fetcher.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { carOf } from '../../e2e/support/edge-health-servers.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const TRUTH = new TextEncoder().encode('the one block of this entity')

interface TestEdge { server: Server, url: string, asked: () => number, abandoned: () => number }

/** A loopback edge answering every request with `body`, or never (`undefined`), counting requests and abandoned ones. */
async function edge (body: Uint8Array | undefined): Promise<TestEdge> {
  let asked = 0
  let abandoned = 0
  const server = createServer((req, res) => {
    asked++
    res.on('close', () => { if (!res.writableFinished) abandoned++ })
    if (body != null) res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car' }).end(body)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked: () => asked, abandoned: () => abandoned }
}

describe('EdgeCarFetcher, hedged by edge health', () => {
  let cid: CID
  let stalled: TestEdge
  let honest: TestEdge
  let liar: TestEdge

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    stalled = await edge(undefined)
    honest = await edge(await carOf(cid, TRUTH))
    liar = await edge(await carOf(cid, new TextEncoder().encode('forged')))
  })

  afterAll(() => {
    for (const e of [stalled, honest, liar]) {
      e.server.closeAllConnections()
      e.server.close()
    }
  })

  const read = async (fetcher: EdgeCarFetcher): Promise<Array<{ text: string, from: string }>> => {
    const blocks = []
    for await (const block of fetcher.fetch({ cid }, {})) blocks.push({ text: new TextDecoder().decode(block.bytes), from: block.from })
    return blocks
  }

  it('asks the next edge when the best one has sent nothing within its delay, and aborts the first', async () => {
    const health = new EdgeHealth()
    const fetcher = new EdgeCarFetcher([{ http: stalled.url, multiaddrs: [] }, { http: honest.url, multiaddrs: [] }], { health })
    expect(await read(fetcher)).toEqual([{ text: new TextDecoder().decode(TRUTH), from: honest.url }])
    expect(stalled.asked()).toBe(1)
    await expect.poll(() => stalled.abandoned()).toBe(1)
    expect(health.rank([stalled.url, honest.url], url => url)).toEqual([honest.url, stalled.url])
  })

  it('takes the stream of the edge whose first block verifies; the liar is demoted and asked for no more CARs', async () => {
    const health = new EdgeHealth()
    const fetcher = new EdgeCarFetcher([{ http: liar.url, multiaddrs: [] }, { http: honest.url, multiaddrs: [] }], { health })
    const rejected: string[] = []
    const blocks = []
    for await (const block of fetcher.fetch({ cid }, { onProgress: e => { rejected.push(`${e.type} ${(e.detail as { from: string }).from}`) } })) blocks.push(block.from)
    expect(blocks).toEqual([honest.url])
    expect(rejected).toEqual([`edgeway:block:rejected ${liar.url}`])
    expect(health.isDemoted(liar.url)).toBe(true)
    const before = liar.asked()
    expect(await read(fetcher)).toHaveLength(1)
    expect(liar.asked()).toBe(before)
  })

  it('does not blame an edge for a block hashed with a function this browser cannot compute', async () => {
    // sha3-256 (0x16): a real hash, and not one Edgeway checks
    const unknown = CID.createV1(raw.code, { code: 0x16, size: 32, digest: new Uint8Array(32).fill(1), bytes: new Uint8Array([0x16, 32, ...new Uint8Array(32).fill(1)]) })
    const odd = await edge(await carOf(unknown, TRUTH))
    try {
      const health = new EdgeHealth()
      const fetcher = new EdgeCarFetcher([{ http: odd.url, multiaddrs: [] }], { health })
      await expect((async () => { for await (const block of fetcher.fetch({ cid: unknown }, {})) return block })()).rejects.toMatchObject({ name: 'CarFetchError' })
      expect(health.isDemoted(odd.url)).toBe(false)
    } finally {
      odd.server.closeAllConnections()
      odd.server.close()
    }
  })

  it('asks for a block alone as a raw block, and holds it to its CID as a CAR\'s blocks are', async () => {
    const seen: Array<{ url: string, accept: string }> = []
    const rawEdge = async (body: Uint8Array): Promise<Server> => {
      const server = createServer((req, res) => {
        seen.push({ url: req.url ?? '', accept: req.headers.accept ?? '' })
        res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': body.byteLength }).end(body)
      })
      await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
      return server
    }
    const urlOf = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const honestRaw = await rawEdge(TRUTH)
    const lyingRaw = await rawEdge(new TextEncoder().encode('forged'))
    try {
      const health = new EdgeHealth()
      const fetcher = new EdgeCarFetcher([{ http: urlOf(lyingRaw), multiaddrs: [] }, { http: urlOf(honestRaw), multiaddrs: [] }], { health })
      const rejected: string[] = []
      const blocks = []
      for await (const block of fetcher.fetch({ cid, block: true }, { onProgress: e => { if (e.type === 'edgeway:block:rejected') rejected.push((e.detail as { from: string }).from) } })) {
        blocks.push({ text: new TextDecoder().decode(block.bytes), from: block.from })
      }

      expect(blocks).toEqual([{ text: new TextDecoder().decode(TRUTH), from: urlOf(honestRaw) }])
      expect(rejected).toEqual([urlOf(lyingRaw)])
      expect(health.isDemoted(urlOf(lyingRaw))).toBe(true)
      expect(seen).toEqual([
        { url: `/ipfs/${cid.toString()}?format=raw`, accept: 'application/vnd.ipld.raw' },
        { url: `/ipfs/${cid.toString()}?format=raw`, accept: 'application/vnd.ipld.raw' }
      ])
    } finally {
      for (const server of [honestRaw, lyingRaw]) {
        server.closeAllConnections()
        server.close()
      }
    }
  })
})
