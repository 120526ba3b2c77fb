import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { describe, expect, it } from 'vitest'
import { hashMatches } from './hash-matches.ts'

describe('hashMatches for identity CIDs', () => {
  it('takes the inlined bytes exactly, never bytes that merely start with them', async () => {
    const inlined = new TextEncoder().encode('twenty-four bytes inline')
    const cid = CID.createV1(raw.code, identity.digest(inlined))
    expect(await hashMatches(cid, inlined)).toBe(true)
    expect(await hashMatches(cid, new Uint8Array([...inlined, 0x66, 0x6f, 0x72, 0x67, 0x65, 0x64]))).toBe(false)
    expect(await hashMatches(cid, inlined.subarray(0, 20))).toBe(false)
  })

  it('refuses an identity CID longer than any block may be inlined', async () => {
    const long = new Uint8Array(129).fill(7)
    expect(await hashMatches(CID.createV1(raw.code, identity.digest(long)), long)).toBe(false)
  })
})
