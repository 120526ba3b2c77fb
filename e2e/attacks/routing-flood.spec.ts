/**
 * Attacks on the edge's provider routing (issue 12, findings 1, 2 and 8),
 * from the test process against a real edge process, on loopback, bounded in
 * count and time. Each case prints what it measured (answer size, the edge's
 * RSS) so the figures can be reported.
 */
import { readFileSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WITHDRAW_TTL_MS } from '../../src/lib/provider-announcement.ts'
import { announcementBy, connectLivePeer, putAnnouncements } from '../support/live-peer.ts'
import { spawnEdge } from '../support/processes.ts'
import type { EdgeInfo } from '../../edge/node/types.ts'
import type { LivePeer } from '../support/live-peer.ts'
import type { Running } from '../support/processes.ts'

/** The answer caps the edge promises */
const MAX_ANSWER_RECORDS = 100
const MAX_ANSWER_BYTES = 64 * 1024
/** Finding 1: throw-away keys, each with a record as large as the old edge took (a 2 MiB body) */
const FAKE_PEERS = 100
const FAKE_ADDRS = 1_900
const FAKE_ADDR = `/dns4/${'a'.repeat(990)}/tcp/1/ws`
/** Live liars: connected peers of one address, each with the largest record the edge takes */
const LIVE_LIARS = 40
const LARGEST_ADDRS = new Array<string>(8).fill(`/dns4/${'a'.repeat(240)}/tcp/1/ws`)
/** Between dials from one host: the edge's libp2p refuses more than 5 new connections a second from one */
const DIAL_GAP_MS = 250
/** Finding 2: one client writing this many peer ids, 100 records a request, a few requests at a time */
const FLOOD_RECORDS = 20_000
const FLOOD_BATCH = 100
const FLOOD_CONCURRENCY = 4
/** Every flood stops sending by then, however far it got */
const FLOOD_BUDGET_MS = 25_000
/** How much the edge's RSS may grow under a flood: a bounded table and bounded answers cost a few MiB, not hundreds */
const RSS_GROWTH_LIMIT_KIB = 64 * 1024

async function blockCid (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

function rssKib (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:')) ?? ''
  return Number(line.replace(/\D+/g, ''))
}

interface Answer {
  status: number
  /** Bytes read, at most one past the cap: a larger answer is not read to its end */
  bytes: number
  /** What the edge said the whole answer is */
  contentLength: number
  ids: string[]
}

/** GET the providers of `cid`, reading at most one byte past the answer cap */
async function providers (http: string, cid: CID): Promise<Answer> {
  const response = await fetch(`${http}/routing/v1/providers/${cid.toString()}`, { headers: { Accept: 'application/json' } })
  const contentLength = Number(response.headers.get('content-length'))
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = response.body!.getReader()
  while (bytes <= MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    bytes += value.byteLength
  }
  await reader.cancel()
  if (response.status !== 200 || bytes > MAX_ANSWER_BYTES) {
    return { status: response.status, bytes, contentLength, ids: [] }
  }
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Providers: Array<{ ID: string }> }
  return { status: response.status, bytes, contentLength, ids: body.Providers.map(p => p.ID) }
}

describe('attacks: flooding the edge\'s provider routing', () => {
  let edge: Running<EdgeInfo>
  const peers: LivePeer[] = []

  beforeAll(async () => {
    edge = await spawnEdge([])
  })

  afterAll(async () => {
    await Promise.all(peers.map(async peer => { await peer.stop() }))
    await edge?.stop()
  })

  async function livePeer (): Promise<LivePeer> {
    const peer = await connectLivePeer(edge.info)
    peers.push(peer)
    return peer
  }

  it('finding 1: 100 throw-away keys with huge records neither inflate the answer nor crowd out a live browser', async () => {
    const cid = await blockCid('finding 1')
    const honest = await livePeer()
    expect((await putAnnouncements(edge.info.http, [await announcementBy(honest.privateKey, [cid])])).status).toBe(200)

    const addrs = new Array<string>(FAKE_ADDRS).fill(FAKE_ADDR)
    const statuses: number[] = []
    for (let i = 0; i < FAKE_PEERS; i++) {
      const response = await putAnnouncements(edge.info.http, [await announcementBy(await generateKeyPair('Ed25519'), [cid], { Addrs: addrs })])
      statuses.push(response.status)
      await response.body?.cancel()
    }

    // the largest records the edge takes, from keys with no connection here
    for (let i = 0; i < FAKE_PEERS; i++) {
      const response = await putAnnouncements(edge.info.http, [await announcementBy(await generateKeyPair('Ed25519'), [cid], { Addrs: LARGEST_ADDRS })])
      statuses.push(response.status)
      await response.body?.cancel()
    }

    const answer = await providers(edge.info.http, cid)
    console.log(`finding 1: fakes answered ${summarise(statuses)}; one GET: ${answer.status}, Content-Length ${answer.contentLength}, ${answer.ids.length} records`)
    expect(answer.status).toBe(200)
    expect(answer.bytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
    expect(answer.ids.length).toBeLessThanOrEqual(MAX_ANSWER_RECORDS)
    expect(answer.ids).toContain(honest.peerId)

    const before = rssKib(edge.process.pid!)
    const answers = await Promise.all(Array.from({ length: 16 }, async () => providers(edge.info.http, cid)))
    const after = rssKib(edge.process.pid!)
    console.log(`finding 1: 16 parallel GETs: Content-Length ${answers[0].contentLength} each; edge RSS ${before} KiB → ${after} KiB`)
    for (const parallel of answers) {
      expect(parallel.bytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
      expect(parallel.ids).toContain(honest.peerId)
    }
    expect(after - before).toBeLessThanOrEqual(RSS_GROWTH_LIMIT_KIB)
  })

  it('finding 1: 40 live peers of one address with the largest records allowed neither inflate the answer nor crowd out a browser of another address', async () => {
    const cid = await blockCid('finding 1, live liars')
    const honest = await livePeer()
    expect((await putAnnouncements(edge.info.http, [await announcementBy(honest.privateKey, [cid])], { localAddress: '127.0.0.2' })).status).toBe(200)
    const liars: LivePeer[] = []
    while (liars.length < LIVE_LIARS) {
      // libp2p takes 5 connections a second from one host: stay under it
      await new Promise(resolve => setTimeout(resolve, DIAL_GAP_MS))
      liars.push(await livePeer())
    }
    for (const liar of liars) {
      expect((await putAnnouncements(edge.info.http, [await announcementBy(liar.privateKey, [cid], { Addrs: LARGEST_ADDRS })])).status).toBe(200)
    }
    const answer = await providers(edge.info.http, cid)
    console.log(`finding 1, live liars: one GET: ${answer.status}, Content-Length ${answer.contentLength}, ${answer.ids.length} records`)
    expect(answer.bytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
    // the byte cap, not the record cap, cut this answer short: and the browser of the other address is in it
    expect(answer.ids.length).toBeLessThan(LIVE_LIARS + 1)
    expect(answer.ids).toContain(honest.peerId)
  })

  it('finding 2: one client writing 20,000 peer ids is refused, and the edge stays small', async () => {
    const cid = await blockCid('finding 2')
    const honest = await livePeer()
    expect((await putAnnouncements(edge.info.http, [await announcementBy(honest.privateKey, [cid])])).status).toBe(200)

    const before = rssKib(edge.process.pid!)
    const started = Date.now()
    const statuses: number[] = []
    let sent = 0
    const sender = async (): Promise<void> => {
      while (sent < FLOOD_RECORDS && Date.now() - started < FLOOD_BUDGET_MS) {
        sent += FLOOD_BATCH
        // a fresh peer id for every record: a throw-away key costs the attacker nothing
        const batch = await Promise.all(Array.from({ length: FLOOD_BATCH }, async () => announcementBy(await generateKeyPair('Ed25519'), [cid])))
        const response = await putAnnouncements(edge.info.http, batch)
        statuses.push(response.status)
        await response.body?.cancel()
      }
    }
    await Promise.all(Array.from({ length: FLOOD_CONCURRENCY }, sender))
    const seconds = (Date.now() - started) / 1000
    const after = rssKib(edge.process.pid!)
    const answer = await providers(edge.info.http, cid)
    console.log(`finding 2: ${sent} records in ${seconds.toFixed(1)} s, answered ${summarise(statuses)}; edge RSS ${before} KiB → ${after} KiB; the answer lists ${answer.ids.length} record(s), ${answer.bytes} bytes`)

    expect(statuses.every(status => status === 403 || status === 429)).toBe(true)
    expect(answer.ids).toEqual([honest.peerId])
    expect(after - before).toBeLessThanOrEqual(RSS_GROWTH_LIMIT_KIB)
  })

  it('finding 8: a captured announcement re-sent after its withdrawal is refused, and the peer is not listed', async () => {
    const cid = await blockCid('finding 8')
    const peer = await livePeer()
    const captured = await announcementBy(peer.privateKey, [cid])
    expect((await putAnnouncements(edge.info.http, [captured])).status).toBe(200)
    expect((await providers(edge.info.http, cid)).ids).toEqual([peer.peerId])

    const withdrawal = await announcementBy(peer.privateKey, [cid], { TTL: WITHDRAW_TTL_MS, Seq: captured.Payload.Seq + 1 })
    expect((await putAnnouncements(edge.info.http, [withdrawal])).status).toBe(200)
    expect((await providers(edge.info.http, cid)).status).toBe(404)

    const replay = await putAnnouncements(edge.info.http, [captured])
    const reason = await replay.text()
    console.log(`finding 8: the replay was answered ${replay.status} ${reason.trim()}`)
    expect(replay.status).toBe(409)
    expect(reason).toMatch(/Seq/)
    expect((await providers(edge.info.http, cid)).status).toBe(404)
  })

  it('a record from a peer with no connection to the edge is refused with a reason and never listed; a live one goes when it disconnects', async () => {
    const cid = await blockCid('no connection')
    const response = await putAnnouncements(edge.info.http, [await announcementBy(await generateKeyPair('Ed25519'), [cid])])
    const reason = await response.text()
    expect(response.status).toBe(403)
    expect(reason).toMatch(/connect/)
    expect((await providers(edge.info.http, cid)).status).toBe(404)

    const peer = await connectLivePeer(edge.info)
    expect((await putAnnouncements(edge.info.http, [await announcementBy(peer.privateKey, [cid])])).status).toBe(200)
    expect((await providers(edge.info.http, cid)).ids).toEqual([peer.peerId])
    await peer.stop()
    await expect.poll(async () => (await providers(edge.info.http, cid)).status, { timeout: 10_000 }).toBe(404)
  })
})

function summarise (statuses: number[]): string {
  const counts = new Map<number, number>()
  statuses.forEach(status => counts.set(status, (counts.get(status) ?? 0) + 1))
  return [...counts].map(([status, count]) => `${count}× ${status}`).join(', ')
}
