import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announcementBy as announcement, connectLivePeer } from '../../e2e/support/live-peer.ts'
import { WITHDRAW_TTL_MS } from '../../src/lib/provider-announcement.ts'
import { startEdge } from '../node/start-edge.ts'
import type { LivePeer } from '../../e2e/support/live-peer.ts'
import type { Edge } from '../node/types.ts'
import type { PrivateKey } from '@libp2p/interface'

const DAG_PB = 0x70

async function blockCid (text: string, code: number = raw.code): Promise<CID> {
  return CID.createV1(code, await sha256.digest(new TextEncoder().encode(text)))
}

describe('provider announcements (PUT /routing/v1/providers)', () => {
  let edge: Edge
  let key: PrivateKey
  let peer: LivePeer

  beforeAll(async () => {
    edge = await startEdge()
    // the announcing peer is connected to the edge, as a browser tab is
    peer = await connectLivePeer(edge.info)
    key = peer.privateKey
  })

  afterAll(async () => {
    await peer?.stop()
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

  it('refuses a stale announcement, a bad CID, an unsigned body and one without a Seq', async () => {
    const block = await blockCid('stale')
    expect((await put({ Providers: [await announcement(key, [block], { Timestamp: new Date(Date.now() - 3_600_000).toISOString() })] })).status).toBe(400)
    expect((await put({ Providers: [await announcement(key, [block], { CID: ['not-a-cid'] })] })).status).toBe(400)
    expect((await put({ Providers: [{ Schema: 'announcement', Payload: { CID: [block.toString()] } }] })).status).toBe(400)
    expect((await put('not json')).status).toBe(400)
    for (const Seq of [undefined, 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
      const response = await put({ Providers: [await announcement(key, [block], { Seq: Seq as number })] })
      expect(response.status).toBe(400)
      expect(await response.text()).toMatch(/Seq/)
    }
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${block.toString()}`)).status).toBe(404)
  })

  it('refuses a record over the caps (addresses, their length, protocols, their length) with 400 and a reason', async () => {
    const block = await blockCid('too large')
    const addr = '/ip4/127.0.0.1/tcp/1/ws'
    const cases = [
      { overrides: { Addrs: new Array(9).fill(addr) }, reason: /Addrs.*8/ },
      { overrides: { Addrs: [`/dns4/${'a'.repeat(250)}/tcp/1/ws`] }, reason: /Addrs.*256/ },
      { overrides: { Protocols: ['a', 'b', 'c', 'd', 'e'] }, reason: /Protocols.*4/ },
      { overrides: { Protocols: ['p'.repeat(65)] }, reason: /Protocols.*64/ }
    ]
    for (const { overrides, reason } of cases) {
      const response = await put({ Providers: [await announcement(key, [block], overrides)] })
      expect(response.status).toBe(400)
      expect(await response.text()).toMatch(reason)
    }
    // at the caps it is taken
    const largest = { Addrs: new Array(8).fill(`/dns4/${'a'.repeat(240)}/tcp/1/ws`), Protocols: new Array(4).fill('p'.repeat(64)) }
    expect((await put({ Providers: [await announcement(key, [block], largest)] })).status).toBe(200)
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${block.toString()}`)).status).toBe(200)
  })

  it('refuses, with 403 and a reason, a peer that has no connection to the edge, and never lists it', async () => {
    const block = await blockCid('not connected')
    const response = await put({ Providers: [await announcement(await generateKeyPair('Ed25519'), [block])] })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ Error: 'PeerNotConnectedError', Message: expect.stringMatching(/no connection to this edge/) })
    expect((await fetch(`${edge.info.http}/routing/v1/providers/${block.toString()}`)).status).toBe(404)
  })

  it('refuses, with 409, an announcement whose Seq is not above the last one (a replay)', async () => {
    const block = await blockCid('replayed')
    const first = await announcement(key, [block])
    expect((await put({ Providers: [first] })).status).toBe(200)
    const replay = await put({ Providers: [first] })
    expect(replay.status).toBe(409)
    expect(await replay.json()).toMatchObject({ Error: 'StaleSeqError' })
    expect((await put({ Providers: [await announcement(key, [block], { Seq: first.Payload.Seq - 1 })] })).status).toBe(409)
    expect((await put({ Providers: [await announcement(key, [block], { Seq: first.Payload.Seq + 1 })] })).status).toBe(200)
  })

  it('answers writes to other routing paths with 405, and allows PUT in CORS preflights', async () => {
    expect((await fetch(`${edge.info.http}/routing/v1/peers`, { method: 'PUT', body: '{}' })).status).toBe(405)
    const preflight = await fetch(`${edge.info.http}/routing/v1/providers`, { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'PUT', Origin: 'http://localhost:1' } })
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT')
  })
})
