import { CarWriter } from '@ipld/car/writer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { checkCar } from './check-car.ts'

const DAG_PB = 0x70

async function block (text: string, codec = raw.code, version: 0 | 1 = 1): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  const digest = await sha256.digest(bytes)
  return { cid: version === 0 ? CID.createV0(digest) : CID.createV1(codec, digest), bytes }
}

async function car (blocks: Array<{ cid: CID, bytes: Uint8Array }>, roots = blocks.slice(0, 1).map(b => b.cid)): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const collected = (async () => {
    const chunks: Uint8Array[] = []
    for await (const chunk of out) chunks.push(chunk)
    return new Uint8Array(Buffer.concat(chunks))
  })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  return collected
}

describe('checkCar', async () => {
  const [a, b, c] = await Promise.all([block('a'), block('b'), block('c')])
  const ids = (...blocks: Array<{ cid: CID }>): string[] => blocks.map(x => x.cid.toString())

  it('exact-ordered: the same list in the same order, duplicates counted', async () => {
    const body = await car([a, b, b, c])
    expect(await checkCar({ blocks: ids(a, b, b, c), match: 'exact-ordered' }, body)).toEqual([])
    const [swapped] = await checkCar({ blocks: ids(a, c, b, b), match: 'exact-ordered' }, body)
    expect(swapped).toContain(`block #2 should be ${c.cid}, is ${b.cid}`)
    const [deduplicated] = await checkCar({ blocks: ids(a, b, c), match: 'exact-ordered' }, body)
    expect(deduplicated).toContain(`block #3 should be ${c.cid}, is ${b.cid}`)
    const [short] = await checkCar({ blocks: ids(a, b, b, c, a), match: 'exact-ordered' }, body)
    expect(short).toContain(`block #5 should be ${a.cid}, is the end of the CAR`)
  })

  it('exact-any-order: the same set of blocks in any order', async () => {
    const body = await car([c, a, b])
    expect(await checkCar({ blocks: ids(a, b, c), match: 'exact-any-order' }, body)).toEqual([])
    expect(await checkCar({ blocks: ids(a, b), match: 'exact-any-order' }, body))
      .toEqual([`body car: 1 blocks that should not be there: ${c.cid}`])
  })

  it('includes: every listed block, others allowed', async () => {
    const body = await car([a, b, c])
    expect(await checkCar({ blocks: ids(c, a), match: 'includes' }, body)).toEqual([])
    const d = await block('d')
    const [missing] = await checkCar({ blocks: ids(a, d), match: 'includes' }, body)
    expect(missing).toMatch(new RegExp(`^body car: missing 1 of 2 blocks: ${d.cid}; got 3 blocks: `))
  })

  it('ignores the header roots', async () => {
    expect(await checkCar({ blocks: ids(b), match: 'exact-ordered' }, await car([b], [a.cid, c.cid]))).toEqual([])
  })

  it('compares by codec and multihash: a CIDv0 and its CIDv1 are the same block, another codec is not', async () => {
    const v0 = await block('node', DAG_PB, 0)
    const v1 = CID.createV1(DAG_PB, v0.cid.multihash).toString()
    expect(await checkCar({ blocks: [v1], match: 'exact-ordered' }, await car([v0]))).toEqual([])
    const asRaw = CID.createV1(raw.code, v0.cid.multihash).toString()
    expect(await checkCar({ blocks: [asRaw], match: 'includes' }, await car([v0]))).toHaveLength(1)
  })

  it('says when the body is not a CAR, or is cut short', async () => {
    const [garbage] = await checkCar({ blocks: [], match: 'includes' }, new TextEncoder().encode('<html>504</html>'))
    expect(garbage).toMatch(/^body car: not a readable CARv1 \(/)
    const whole = await car([a, b])
    const [cut] = await checkCar({ blocks: ids(a, b), match: 'exact-ordered' }, whole.subarray(0, whole.byteLength - 1))
    expect(cut).toMatch(/^body car: not a readable CARv1 \(/)
  })
})
