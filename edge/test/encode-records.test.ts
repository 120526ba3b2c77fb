import { describe, expect, it } from 'vitest'
import { ROUTING_ANSWER_LIMITS } from '../node/defaults.ts'
import { encodeRecords } from '../node/encode-records.ts'
import type { PeerRecord } from '../node/delegated-routing.ts'

function record (i: number, addrChars = 20): PeerRecord {
  return { Schema: 'peer', ID: `peer-${i}`, Addrs: Array.from({ length: 8 }, () => `/dns4/${'a'.repeat(addrChars)}/tcp/1/ws`), Protocols: ['transport-bitswap'] }
}

describe('encodeRecords (a routing answer within its caps)', () => {
  it('answers at most 100 records, the first ones given', () => {
    const records = Array.from({ length: 150 }, (_, i) => record(i))
    const body = JSON.parse(encodeRecords(records, { field: 'Providers', ndjson: false, ...ROUTING_ANSWER_LIMITS })) as { Providers: PeerRecord[] }
    expect(body.Providers).toHaveLength(100)
    expect(body.Providers[0].ID).toBe('peer-0')
    expect(body.Providers[99].ID).toBe('peer-99')
  })

  it('stops at 64 KiB with the largest records an announcement may carry, as JSON and as NDJSON', () => {
    const records = Array.from({ length: 100 }, (_, i) => record(i, 240))
    const json = encodeRecords(records, { field: 'Providers', ndjson: false, ...ROUTING_ANSWER_LIMITS })
    const ndjson = encodeRecords(records, { field: 'Providers', ndjson: true, ...ROUTING_ANSWER_LIMITS })
    for (const body of [json, ndjson]) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(64 * 1024)
      expect(Buffer.byteLength(body)).toBeGreaterThan(60 * 1024)
    }
    const listed = (JSON.parse(json) as { Providers: PeerRecord[] }).Providers
    expect(listed.length).toBeGreaterThan(20)
    expect(listed.length).toBeLessThan(100)
    expect(listed).toEqual(records.slice(0, listed.length))
    expect(ndjson.trimEnd().split('\n').map(line => JSON.parse(line))).toEqual(listed)
  })

  it('is the plain encoding when everything fits', () => {
    const records = [record(1), record(2)]
    expect(encodeRecords(records, { field: 'Peers', ndjson: false, ...ROUTING_ANSWER_LIMITS })).toBe(JSON.stringify({ Peers: records }))
    expect(encodeRecords(records, { field: 'Peers', ndjson: true, ...ROUTING_ANSWER_LIMITS })).toBe(records.map(r => `${JSON.stringify(r)}\n`).join(''))
  })
})
