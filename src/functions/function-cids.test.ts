import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { FunctionCids, parseFunctionCid } from './function-cids.ts'

async function cidOf (text: string): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text))).toString()
}

describe('FunctionCids', () => {
  it('parses a CID once, keeps at most its bound, and refuses what is not a CID', async () => {
    const cids = new FunctionCids(2)
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(cidOf))

    const first = cids.parse(a)
    expect(first.toString()).toBe(a)
    expect(cids.parse(a)).toBe(first)

    cids.parse(b)
    cids.parse(c)
    // a was the first in: with three parsed and room for two, it is parsed afresh
    const again = cids.parse(a)
    expect(again).not.toBe(first)
    expect(again.equals(first)).toBe(true)

    expect(() => cids.parse('not-a-cid')).toThrow()
  })

  it('takes only CIDs that can name a module: a hash of the code, as a raw block or a UnixFS file', async () => {
    const digest = await sha256.digest(new TextEncoder().encode('export default async () => new Response("")'))
    expect(parseFunctionCid(CID.createV1(raw.code, digest).toString()).code).toBe(raw.code)
    expect(parseFunctionCid(CID.createV1(0x70, digest).toString()).code).toBe(0x70)
    expect(parseFunctionCid(CID.createV0(digest).toString()).version).toBe(0)

    const carried = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('export default async () => new Response("")'))).toString()
    expect(() => parseFunctionCid(carried)).toThrow(/identity CID/)
    expect(() => new FunctionCids().parse(carried)).toThrow(/identity CID/)
    for (const code of [0x71, 0x0129, 0x72]) {
      expect(() => parseFunctionCid(CID.createV1(code, digest).toString())).toThrow(/not a function module's CID/)
    }
    expect(() => parseFunctionCid('not-a-cid')).toThrow(/"not-a-cid" is not a CID/)
    for (const length of [0, 1, 19]) {
      expect(() => parseFunctionCid(CID.createV1(raw.code, createDigest(sha256.code, digest.digest.subarray(0, length))).toString())).toThrow(/digest/)
    }
    expect(parseFunctionCid(CID.createV1(raw.code, createDigest(sha256.code, digest.digest.subarray(0, 20))).toString()).code).toBe(raw.code)
  })
})
