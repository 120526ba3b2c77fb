import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WITHDRAW_TTL_MS, signAnnouncement } from '../../src/lib/provider-announcement.ts'
import { startEdge } from '../node/start-edge.ts'
import { ProviderTable } from '../node/provider-table.ts'
import type { AnnouncementPayload, AnnouncementRecord } from '../../src/lib/provider-announcement.ts'
import type { Edge } from '../node/types.ts'
import type { PrivateKey } from '@libp2p/interface'

const DAG_PB = 0x70

async function blockCid (text: string, code: number = raw.code): Promise<CID> {
  return CID.createV1(code, await sha256.digest(new TextEncoder().encode(text)))
}

async function announcement (key: PrivateKey, cids: CID[], overrides: Partial<AnnouncementPayload> = {}): Promise<AnnouncementRecord> {
  const id = peerIdFromPrivateKey(key).toString()
  return signAnnouncement(key, {
    CID: cids.map(String),
    Scope: 'block',
    Timestamp: new Date().toISOString(),
    TTL: 60_000,
    ID: id,
    Addrs: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5/p2p-circuit/webrtc'],
    Protocols: ['transport-bitswap'],
    ...overrides
  })
}

describe('provider announcements (PUT /routing/v1/providers)', () => {
  let edge: Edge
  let key: PrivateKey

  beforeAll(async () => {
    edge = await startEdge()
    key = await generateKeyPair('Ed25519')
  })

  afterAll(async () => {
    await edge?.stop()
  })

  async function put (body: unknown, method = 'PUT'): Promise<Response> {
    return fetch(`${edge.info.http}/routing/v1/providers`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  }

  it('lists a peer that signed an announcement as a provider, matched by multihash, without the edge holding the block', async () => {
    const block = await blockCid('announced')
    const response = await put({ Providers: [await announcement(key, [block])] })
    expect(response.status).toBe(200)

    // the same bytes named as dag-pb: one block, one provider list
    for (const cid of [block, CID.createV1(DAG_PB, block.multihash)]) {
      const providers = await fetch(`${edge.info.http}/routing/v1/providers/${cid.toString()}`)
      expect(providers.status).toBe(200)
      expect(await providers.json()).toEqual({
        Providers: [{ Schema: 'peer', ID: peerIdFromPrivateKey(key).toString(), Addrs: expect.any(Array), Protocols: ['transport-bitswap'] }]
      })
    }
    expect((await fetch(`${edge.info.http}/ipfs/${block.toString()}?format=raw`)).status).toBe(404)
  })

  it('accepts POST as well, and a withdrawal (TTL 1 ms) removes the records', async () => {
    const block = await blockCid('withdrawn')
    expect((await put({ Providers: [await announcement(key, [block])] }, 'POST')).status).toBe(200)
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${block.toString()}`)).status).toBe(200)
    expect((await put({ Providers: [await announcement(key, [block], { TTL: WITHDRAW_TTL_MS })] })).status).toBe(200)
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${block.toString()}`)).status).toBe(404)
  })

  it('refuses a record whose signature is not by its peer id, and stores nothing from the request', async () => {
    const block = await blockCid('forged')
    const other = await generateKeyPair('Ed25519')
    const forged = await announcement(other, [block], { ID: peerIdFromPrivateKey(key).toString() })
    const good = await announcement(key, [await blockCid('with a forged one')])
    const response = await put({ Providers: [good, forged] })
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/signature/)
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${good.Payload.CID[0]}`)).status).toBe(404)
  })

  it('refuses a stale announcement, a bad CID and an unsigned body', async () => {
    const block = await blockCid('stale')
    expect((await put({ Providers: [await announcement(key, [block], { Timestamp: new Date(Date.now() - 3_600_000).toISOString() })] })).status).toBe(400)
    expect((await put({ Providers: [await announcement(key, [block], { CID: ['not-a-cid'] })] })).status).toBe(400)
    expect((await put({ Providers: [{ Schema: 'announcement', Payload: { CID: [block.toString()] } }] })).status).toBe(400)
    expect((await put('not json')).status).toBe(400)
  })

  it('answers writes to other routing paths with 405, and allows PUT in CORS preflights', async () => {
    expect((await fetch(`${edge.info.http}/routing/v1/peers`, { method: 'PUT', body: '{}' })).status).toBe(405)
    const preflight = await fetch(`${edge.info.http}/routing/v1/providers`, { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'PUT', Origin: 'http://localhost:1' } })
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT')
  })
})

describe('ProviderTable', () => {
  it('expires records at their TTL and forgets a peer that disconnected', async () => {
    const table = new ProviderTable()
    const block = await blockCid('table')
    const base = { cids: [block], addrs: ['/ip4/127.0.0.1/tcp/1/ws'], protocols: ['transport-bitswap'] }
    table.add({ ...base, peerId: 'a', ttlMs: 1_000 }, 0)
    table.add({ ...base, peerId: 'b', ttlMs: 10_000 }, 0)
    expect(table.providersOf(block, 500).map(r => r.ID)).toEqual(['a', 'b'])
    expect(table.providersOf(block, 5_000).map(r => r.ID)).toEqual(['b'])
    table.dropPeer('b')
    expect(table.providersOf(block, 5_000)).toEqual([])
  })
})
