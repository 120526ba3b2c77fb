import { createIPNSRecord, IPNSEntry } from '@helia/ipns'
import { ed25519Crypto } from '@ipshipyard/crypto'
import { base36 } from 'multiformats/bases/base36'
import { describe, expect, it } from 'vitest'
import { checkIpnsRecord } from './check-ipns-record.ts'

const VALUE = '/ipfs/bafkqaddwgevxmmraojswg33smq'
const DAY_MS = 24 * 60 * 60 * 1000

describe('checkIpnsRecord', async () => {
  const key = await ed25519Crypto().generatePrivateKey()
  const other = await ed25519Crypto().generatePrivateKey()
  const name = key.publicKey.toCID().toString(base36)
  const record = await createIPNSRecord(key, VALUE, 1n, DAY_MS)
  const marshalled = IPNSEntry.encode(record)

  it('passes a record signed for the name, with the value', async () => {
    expect(await checkIpnsRecord({ name, value: VALUE }, marshalled)).toEqual([])
  })

  it('accepts the name as a base58 peer id too', async () => {
    expect(await checkIpnsRecord({ name: key.publicKey.toString(), value: VALUE }, marshalled)).toEqual([])
  })

  it('passes a V2-only record (no V1 value or signature)', async () => {
    const v2only = IPNSEntry.encode(await createIPNSRecord(key, VALUE, 2n, DAY_MS, { v1Compatible: false }))
    expect(await checkIpnsRecord({ name, value: VALUE }, v2only)).toEqual([])
  })

  it('fails on another value', async () => {
    expect(await checkIpnsRecord({ name, value: '/ipfs/bafkqaaa' }, marshalled))
      .toEqual([`body ipns_record: expected the value "/ipfs/bafkqaaa", got "${VALUE}"`])
  })

  it('fails on a record for another name', async () => {
    const [failure] = await checkIpnsRecord({ name: other.publicKey.toCID().toString(base36), value: VALUE }, marshalled)
    expect(failure).toMatch(/^body ipns_record: not valid for k51\w+ \(SignatureVerificationError: /)
  })

  it('fails on a damaged V2 signature', async () => {
    const damaged = IPNSEntry.encode({ ...record, signatureV2: record.signatureV2!.map((byte, i) => i === 0 ? byte ^ 1 : byte) })
    const [failure] = await checkIpnsRecord({ name, value: VALUE }, damaged)
    expect(failure).toMatch(/SignatureVerificationError: Record signature verification failed/)
  })

  it('fails on an expired record', async () => {
    const expired = IPNSEntry.encode(await createIPNSRecord(key, VALUE, 3n, -DAY_MS))
    const [failure] = await checkIpnsRecord({ name, value: VALUE }, expired)
    expect(failure).toMatch(/RecordExpiredError/)
  })

  it('fails on a body that is not a record', async () => {
    const [failure] = await checkIpnsRecord({ name, value: VALUE }, new TextEncoder().encode('<html>Not Implemented</html>'))
    expect(failure).toMatch(/^body ipns_record: (not an IPNS record protobuf|not valid for)/)
  })
})
