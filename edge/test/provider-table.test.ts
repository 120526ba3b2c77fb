import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { MAX_CLOCK_SKEW_MS, WITHDRAW_TTL_MS } from '../../src/lib/provider-announcement.ts'
import { ANNOUNCEMENT_LIMITS } from '../node/defaults.ts'
import { ProviderTable } from '../node/provider-table.ts'
import type { VerifiedAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { ProviderTableLimits } from '../node/provider-table.ts'

async function blockCid (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function blocks (prefix: string, count: number): Promise<CID[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => blockCid(`${prefix} ${i}`)))
}

/** A table whose liveness is a set the test changes, with small limits where a test needs them */
function table (limits: Partial<ProviderTableLimits> = {}): { table: ProviderTable, live: Set<string> } {
  const live = new Set<string>()
  return { table: new ProviderTable({ isLive: id => live.has(id), limits: { ...ANNOUNCEMENT_LIMITS, ...limits } }), live }
}

function announcement (peerId: string, cids: CID[], seq: number, ttlMs = 10_000): VerifiedAnnouncement {
  return { peerId, cids, addrs: ['/ip4/127.0.0.1/tcp/1/ws'], protocols: ['transport-bitswap'], ttlMs, seq }
}

const client = '127.0.0.1'

function ids (t: ProviderTable, cid: CID, now: number): string[] {
  return t.providersOf(cid, now).map(record => record.ID)
}

describe('ProviderTable', () => {
  it('expires records at their TTL and forgets a peer that disconnected', async () => {
    const { table: t, live } = table()
    live.add('a').add('b')
    const block = await blockCid('table')
    t.add([announcement('a', [block], 1, 1_000)], { client, now: 0 })
    t.add([announcement('b', [block], 1, 10_000)], { client, now: 0 })
    expect(ids(t, block, 500)).toEqual(['b', 'a'])
    expect(ids(t, block, 5_000)).toEqual(['b'])
    t.dropPeer('b', 5_000)
    expect(ids(t, block, 5_000)).toEqual([])
  })

  it('refuses a peer that is not live, and lists a peer only while it is live', async () => {
    const { table: t, live } = table()
    const block = await blockCid('live')
    expect(() => { t.add([announcement('a', [block], 1)], { client, now: 0 }) }).toThrow(expect.objectContaining({ name: 'PeerNotConnectedError' }))
    expect(t.size.blockRecords).toBe(0)

    live.add('a')
    t.add([announcement('a', [block], 1)], { client, now: 0 })
    expect(ids(t, block, 1)).toEqual(['a'])
    live.delete('a')
    expect(ids(t, block, 1)).toEqual([])
  })

  it('refuses a batch as a whole when one of it is refused', async () => {
    const { table: t, live } = table()
    live.add('a')
    const block = await blockCid('batch')
    expect(() => { t.add([announcement('a', [block], 1), announcement('b', [block], 1)], { client, now: 0 }) }).toThrow(expect.objectContaining({ name: 'PeerNotConnectedError' }))
    expect(ids(t, block, 1)).toEqual([])
  })

  it('refuses a Seq not above the last one, also after a withdrawal and after a disconnect, for as long as a replay could pass the timestamp check', async () => {
    const { table: t, live } = table()
    live.add('a')
    const block = await blockCid('seq')
    const stale = expect.objectContaining({ name: 'StaleSeqError' })
    t.add([announcement('a', [block], 10)], { client, now: 0 })
    expect(() => { t.add([announcement('a', [block], 10)], { client, now: 1 }) }).toThrow(stale)
    expect(() => { t.add([announcement('a', [block], 9)], { client, now: 1 }) }).toThrow(stale)

    t.add([announcement('a', [block], 11, WITHDRAW_TTL_MS)], { client, now: 2 })
    expect(ids(t, block, 3)).toEqual([])
    expect(t.size.peers).toBe(0)
    expect(() => { t.add([announcement('a', [block], 10)], { client, now: 3 }) }).toThrow(stale)
    expect(ids(t, block, 3)).toEqual([])

    t.add([announcement('a', [block], 12)], { client, now: 4 })
    t.dropPeer('a', 5)
    expect(() => { t.add([announcement('a', [block], 12)], { client, now: 6 }) }).toThrow(stale)
    // past the memory, a captured announcement is too old for its timestamp anyway
    expect(ANNOUNCEMENT_LIMITS.seqMemoryMs).toBeGreaterThanOrEqual(2 * MAX_CLOCK_SKEW_MS)
    t.add([announcement('a', [block], 12)], { client, now: 5 + ANNOUNCEMENT_LIMITS.seqMemoryMs })
    expect(ids(t, block, 6 + ANNOUNCEMENT_LIMITS.seqMemoryMs)).toEqual(['a'])
  })

  it('keeps a bounded number of Seqs of forgotten peers, the newest', async () => {
    const { table: t, live } = table({ maxForgottenSeqs: 3 })
    const block = await blockCid('forgotten')
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      live.add(id)
      t.add([announcement(id, [block], 5)], { client, now: 0 })
      t.dropPeer(id, 0)
    }
    expect(t.size).toEqual({ peers: 0, blockRecords: 0, forgottenSeqs: 3 })
    expect(() => { t.add([announcement('e', [block], 5)], { client, now: 1 }) }).toThrow(expect.objectContaining({ name: 'StaleSeqError' }))
  })

  it('lets one client hold records for a bounded number of peer ids; withdrawals and other clients are not counted', async () => {
    const { table: t, live } = table({ maxPeersPerClient: 2 })
    const block = await blockCid('client')
    for (const id of ['a', 'b', 'c', 'd']) live.add(id)
    t.add([announcement('a', [block], 1)], { client, now: 0 })
    t.add([announcement('b', [block], 1)], { client, now: 0 })
    t.add([announcement('a', [block], 2)], { client, now: 0 })
    expect(() => { t.add([announcement('c', [block], 1)], { client, now: 0 }) }).toThrow(expect.objectContaining({ name: 'TooManyPeersError' }))
    t.add([announcement('c', [block], 1, WITHDRAW_TTL_MS)], { client, now: 0 })
    t.add([announcement('d', [block], 1)], { client: '127.0.0.2', now: 0 })
    expect(ids(t, block, 1).sort()).toEqual(['a', 'b', 'd'])

    t.dropPeer('a', 1)
    t.add([announcement('c', [block], 2)], { client, now: 1 })
    expect(ids(t, block, 2).sort()).toEqual(['b', 'c', 'd'])
  })

  it('keeps a peer\'s newest records when it announces more than it may hold', async () => {
    const { table: t, live } = table({ maxBlocksPerPeer: 3 })
    live.add('a')
    const cids = await blocks('per peer', 5)
    t.add([announcement('a', cids.slice(0, 4), 1)], { client, now: 0 })
    t.add([announcement('a', cids.slice(4), 2)], { client, now: 0 })
    expect(t.size.blockRecords).toBe(3)
    expect(cids.map(cid => ids(t, cid, 1).length)).toEqual([0, 0, 1, 1, 1])
  })

  it('over the table\'s total, evicts records of peers that are not live first, then the oldest records of the largest peers, never a small one', async () => {
    const { table: t, live } = table({ maxBlockRecords: 10 })
    const gone = await blocks('gone', 4)
    const big = await blocks('big', 8)
    const small = await blocks('small', 2)
    for (const id of ['gone', 'big', 'small']) live.add(id)
    t.add([announcement('gone', gone, 1)], { client, now: 0 })
    t.add([announcement('small', small, 1)], { client, now: 0 })
    live.delete('gone')
    t.add([announcement('big', big.slice(0, 4), 1)], { client, now: 1 })
    expect(t.size).toMatchObject({ peers: 3, blockRecords: 10 })

    // over the total: the dead peer goes first, then the big one's oldest records
    t.add([announcement('big', big.slice(4), 2)], { client, now: 2 })
    expect(t.size).toMatchObject({ peers: 2, blockRecords: 10 })
    expect(small.map(cid => ids(t, cid, 3))).toEqual([['small'], ['small']])
    expect(big.map(cid => ids(t, cid, 3).length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1])

    const more = await blocks('more', 4)
    t.add([announcement('big', more, 3)], { client, now: 3 })
    expect(t.size.blockRecords).toBe(10)
    expect(small.map(cid => ids(t, cid, 4))).toEqual([['small'], ['small']])
    expect([...big, ...more].map(cid => ids(t, cid, 4).length)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
  })

  it('at its peer limit, makes room by dropping peers that are not live, then the one that announced least recently', async () => {
    const { table: t, live } = table({ maxPeers: 2 })
    const block = await blockCid('peers')
    for (const id of ['a', 'b', 'c', 'd']) live.add(id)
    t.add([announcement('a', [block], 1)], { client, now: 0 })
    t.add([announcement('b', [block], 1)], { client, now: 1 })
    live.delete('b')
    t.add([announcement('c', [block], 1)], { client, now: 2 })
    expect(ids(t, block, 3)).toEqual(['c', 'a'])
    t.add([announcement('d', [block], 1)], { client, now: 3 })
    expect(ids(t, block, 4)).toEqual(['d', 'c'])
  })

  it('lists the most recently announced first', async () => {
    const { table: t, live } = table()
    const block = await blockCid('order')
    for (const id of ['a', 'b', 'c']) live.add(id)
    t.add([announcement('a', [block], 1)], { client, now: 0 })
    t.add([announcement('b', [block], 1)], { client, now: 1 })
    t.add([announcement('c', [block], 1)], { client, now: 2 })
    t.add([announcement('a', [block], 2)], { client, now: 3 })
    expect(ids(t, block, 4)).toEqual(['a', 'c', 'b'])
  })
  it('takes one peer of each client in turn, so one address cannot crowd the others out of a capped answer', async () => {
    const { table: t, live } = table()
    const block = await blockCid('clients')
    const honest = ['h1', 'h2']
    const flood = Array.from({ length: 10 }, (_, i) => `f${i}`)
    for (const id of [...honest, ...flood]) live.add(id)
    t.add([announcement('h1', [block], 1)], { client: '127.0.0.2', now: 0 })
    t.add([announcement('h2', [block], 1)], { client: '127.0.0.3', now: 1 })
    flood.forEach((id, i) => { t.add([announcement(id, [block], 1)], { client, now: 2 + i }) })
    expect(ids(t, block, 20).slice(0, 4)).toEqual(['f9', 'h2', 'h1', 'f8'])
  })
})
