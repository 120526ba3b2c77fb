import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { toString } from 'uint8arrays/to-string'
import { describe, expect, it } from 'vitest'
import { BLAKE3_CODE, MAX_IDENTITY_DIGEST_BYTES, blake3, canVerify } from './block-hashers.ts'
import { hashMatches } from '../node/verified-blockstore.ts'
import { parseCid } from './parse-gateway-url.ts'

const BYTES = new TextEncoder().encode('a block under every hash\n')

describe('blake3', () => {
  it('is the BLAKE3 of the spec (its test vectors), as multihash 0x1e with a 32-byte digest', async () => {
    expect(toString((await blake3.digest(new Uint8Array(0))).digest, 'base16')).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
    // the spec's input of length n is the bytes 0..250 repeated
    const input = Uint8Array.from({ length: 1025 }, (_, i) => i % 251)
    expect(toString((await blake3.digest(input)).digest, 'base16')).toBe('d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444')
    const digest = await blake3.digest(BYTES)
    expect(digest.code).toBe(BLAKE3_CODE)
    expect(digest.size).toBe(32)
  })
})

describe('hashMatches', () => {
  it.each([
    ['sha2-256', sha256],
    ['blake3', blake3],
    ['sha2-512', sha512]
  ])('checks %s blocks: the right bytes pass, one flipped bit fails', async (_, hasher) => {
    const cid = CID.createV1(raw.code, await hasher.digest(BYTES))
    expect(canVerify(cid.multihash.code)).toBe(true)
    expect(await hashMatches(cid, BYTES)).toBe(true)
    const flipped = BYTES.slice()
    flipped[3] ^= 1
    expect(await hashMatches(cid, flipped)).toBe(false)
    // another hash's CID of the same bytes is another block
    const other = CID.createV1(raw.code, await (hasher === blake3 ? sha256 : blake3).digest(BYTES))
    expect(other.equals(cid)).toBe(false)
  })

  it('checks identity blocks against the CID, and refuses identity CIDs over the cap', async () => {
    const cid = CID.createV1(raw.code, identity.digest(BYTES))
    expect(await hashMatches(cid, BYTES)).toBe(true)
    expect(await hashMatches(cid, BYTES.subarray(1))).toBe(false)
    const long = new Uint8Array(MAX_IDENTITY_DIGEST_BYTES + 1)
    expect(await hashMatches(CID.createV1(raw.code, identity.digest(long)), long)).toBe(false)
  })
})

describe('parseCid', () => {
  it('takes CIDs of every verified hash, and refuses others and over-long identity CIDs with InvalidRequestError', async () => {
    for (const hasher of [sha256, blake3, sha512]) {
      const cid = CID.createV1(raw.code, await hasher.digest(BYTES))
      expect(parseCid(cid.toString()).equals(cid)).toBe(true)
    }
    expect(parseCid(CID.createV1(raw.code, identity.digest(new Uint8Array(MAX_IDENTITY_DIGEST_BYTES))).toString()).multihash.code).toBe(identity.code)
    expect(() => parseCid(CID.createV1(raw.code, identity.digest(new Uint8Array(MAX_IDENTITY_DIGEST_BYTES + 1))).toString())).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    // sha3-256 (0x16): nothing here can check it
    const sha3 = CID.createV1(raw.code, { code: 0x16, size: 32, digest: new Uint8Array(32), bytes: new Uint8Array([0x16, 32, ...new Uint8Array(32)]) })
    expect(() => parseCid(sha3.toString())).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })
})
