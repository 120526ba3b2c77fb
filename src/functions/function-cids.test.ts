import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { FunctionCids } from './function-cids.ts'

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
})
