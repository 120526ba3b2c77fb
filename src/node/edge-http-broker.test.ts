import { createServer } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashMatches } from './verified-blockstore.ts'
import { EdgeHttpBroker } from './edge-http-broker.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { EdgeMisses } from './edge-misses.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const TRUTH = new TextEncoder().encode('honest block')

/** A real HTTP edge on loopback whose answer for every block is `body`, chunked (no Content-Length). */
async function edge (body: () => Uint8Array): Promise<{ server: Server, url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' })
    res.end(body())
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('EdgeHttpBroker', () => {
  let cid: CID
  let liar: Awaited<ReturnType<typeof edge>>
  let huge: Awaited<ReturnType<typeof edge>>
  let honest: Awaited<ReturnType<typeof edge>>

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    liar = await edge(() => new TextEncoder().encode('forged block'))
    huge = await edge(() => new Uint8Array(5 * 1024 * 1024))
    honest = await edge(() => TRUTH)
  })

  afterAll(() => {
    for (const e of [liar, huge, honest]) e.server.close()
  })

  const validateFn = async (block: Uint8Array): Promise<void> => {
    if (!await hashMatches(cid, block)) throw new Error('hash mismatch')
  }

  it('skips an edge whose bytes fail verification, says so, and returns the honest edge\'s block', async () => {
    const events: string[] = []
    const broker = new EdgeHttpBroker({ edges: [{ http: liar.url, multiaddrs: [] }, { http: honest.url, multiaddrs: [] }] })
    const block = await broker.retrieve(cid, { validateFn, onProgress: (e) => { events.push(`${e.type} ${(e.detail as { from: string }).from}`) } })
    expect(new TextDecoder().decode(block)).toBe('honest block')
    expect(events).toEqual([`edgeway:block:rejected ${liar.url}`, `edgeway:block:received ${honest.url}`])
  })

  it('refuses a body past the block size limit, even without a Content-Length', async () => {
    const broker = new EdgeHttpBroker({ edges: [{ http: huge.url, multiaddrs: [] }] })
    await expect(broker.retrieve(cid, { validateFn })).rejects.toThrow(/over the .* byte limit/)
  })

  it('tells the miss record when every edge answers 404, and not when one only lied', async () => {
    const absent = createServer((_req, res) => { res.writeHead(404).end() })
    await new Promise<void>(resolve => { absent.listen(0, '127.0.0.1', resolve) })
    const url = `http://127.0.0.1:${(absent.address() as AddressInfo).port}`
    try {
      const misses = new EdgeMisses()
      const missed = misses.wait(cid, 10_000)
      await expect(new EdgeHttpBroker({ edges: [{ http: url, multiaddrs: [] }], misses }).retrieve(cid, { validateFn })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
      await missed

      const other = new EdgeMisses()
      await expect(new EdgeHttpBroker({ edges: [{ http: url, multiaddrs: [] }, { http: liar.url, multiaddrs: [] }], misses: other }).retrieve(cid, { validateFn })).rejects.toThrow()
      const started = Date.now()
      await other.wait(cid, 100)
      expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    } finally {
      absent.close()
    }
  })

  it('fails with BlockUnavailableError when no edge has an honest copy', async () => {
    const broker = new EdgeHttpBroker({ edges: [{ http: liar.url, multiaddrs: [] }] })
    await expect(broker.retrieve(cid, { validateFn })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
  })

  it('says at once when no edge can be reached and nothing else is connected', async () => {
    const closed = await edge(() => TRUTH)
    await new Promise<void>(resolve => { closed.server.close(() => { resolve() }) })
    const events: string[] = []
    const onProgress = (e: { type: string }): void => { events.push(e.type) }
    const alone = new EdgeHttpBroker({ edges: [{ http: closed.url, multiaddrs: [] }], otherSourcesReachable: () => false })
    await expect(alone.retrieve(cid, { validateFn, onProgress })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
    expect(events).toEqual(['edgeway:edges:unreachable'])

    // a connected libp2p edge may still send it over bitswap; an edge that answered (even a liar) is reachable
    events.length = 0
    const connected = new EdgeHttpBroker({ edges: [{ http: closed.url, multiaddrs: [] }], otherSourcesReachable: () => true })
    await expect(connected.retrieve(cid, { validateFn, onProgress })).rejects.toThrow()
    const answering = new EdgeHttpBroker({ edges: [{ http: closed.url, multiaddrs: [] }, { http: liar.url, multiaddrs: [] }], otherSourcesReachable: () => false })
    await expect(answering.retrieve(cid, { validateFn, onProgress })).rejects.toThrow()
    expect(events).toEqual(['edgeway:block:rejected'])
  })
})

describe('EdgeHttpBroker, hedged by edge health', () => {
  let cid: CID
  /** An edge that takes every request and never answers; it counts requests and those the client gave up */
  let stalled: { server: Server, url: string, asked: () => number, abandoned: () => number }
  let honest: Awaited<ReturnType<typeof edge>>
  let liar: Awaited<ReturnType<typeof edge>>
  let liarAsked = 0

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    let asked = 0
    let abandoned = 0
    const server = createServer((req) => {
      asked++
      req.socket.on('close', () => { abandoned++ })
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    stalled = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked: () => asked, abandoned: () => abandoned }
    honest = await edge(() => TRUTH)
    liar = await edge(() => { liarAsked++; return new TextEncoder().encode('forged block') })
  })

  afterAll(() => {
    stalled.server.closeAllConnections()
    for (const s of [stalled.server, honest.server, liar.server]) s.close()
  })

  const validateFn = async (block: Uint8Array): Promise<void> => {
    if (!await hashMatches(cid, block)) throw new Error('hash mismatch')
  }

  it('asks the next edge when the best one stalls past its delay, and aborts the stalled request', async () => {
    const health = new EdgeHealth()
    const broker = new EdgeHttpBroker({ edges: [{ http: stalled.url, multiaddrs: [] }, { http: honest.url, multiaddrs: [] }], health })
    const block = await broker.retrieve(cid, { validateFn })
    expect(new TextDecoder().decode(block)).toBe('honest block')
    expect(stalled.asked()).toBe(1)
    await expect.poll(() => stalled.abandoned()).toBe(1)
    // the stalled edge is now known to be slower: the next block goes to the honest edge first
    expect(health.rank([stalled.url, honest.url], url => url)).toEqual([honest.url, stalled.url])
    await broker.retrieve(cid, { validateFn })
    expect(stalled.asked()).toBe(1)
  })

  it('demotes an edge whose block fails verification, and then asks it only when the others fail', async () => {
    const health = new EdgeHealth()
    const broker = new EdgeHttpBroker({ edges: [{ http: liar.url, multiaddrs: [] }, { http: honest.url, multiaddrs: [] }], health })
    liarAsked = 0
    expect(new TextDecoder().decode(await broker.retrieve(cid, { validateFn }))).toBe('honest block')
    expect(liarAsked).toBe(1)
    expect(health.isDemoted(liar.url)).toBe(true)
    expect(health.record(liar.url)?.verificationFailures).toBe(1)
    expect(new TextDecoder().decode(await broker.retrieve(cid, { validateFn }))).toBe('honest block')
    expect(liarAsked).toBe(1)
  })
})
