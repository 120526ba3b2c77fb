import { CarCIDIterator } from '@ipld/car/iterator'
import { CID } from 'multiformats/cid'
import { toString as toHex } from 'uint8arrays/to-string'
import type { BodyCheck } from './types.ts'

type CarCheck = NonNullable<BodyCheck['car']>

/**
 * The failed checks of a CAR body against the blocks it must carry. Header roots are
 * ignored, as the suite does; blocks compare by codec and multihash, so a CIDv0 and its
 * CIDv1 are the same block.
 */
export async function checkCar (check: CarCheck, body: Uint8Array): Promise<string[]> {
  let got: CID[]
  try {
    got = await carBlockCids(body)
  } catch (err) {
    return [`body car: not a readable CARv1 (${(err as Error).message})`]
  }
  const wanted = check.blocks.map(cid => CID.parse(cid))
  const gotKeys = got.map(blockKey)
  const wantedKeys = wanted.map(blockKey)
  const listing = `got ${got.length} blocks: ${got.map(String).join(', ') || '(none)'}`

  if (check.match === 'exact-ordered') {
    const at = firstDifference(wantedKeys, gotKeys)
    if (at === -1) return []
    const expected = at < wanted.length ? String(wanted[at]) : 'the end of the CAR'
    const found = at < got.length ? String(got[at]) : 'the end of the CAR'
    return [`body car: expected ${wanted.length} blocks in order; block #${at + 1} should be ${expected}, is ${found}; ${listing}`]
  }

  const gotSet = new Set(gotKeys)
  const missing = wanted.filter((_, i) => !gotSet.has(wantedKeys[i]))
  const failures: string[] = []
  if (missing.length > 0) {
    failures.push(`body car: missing ${missing.length} of ${wanted.length} blocks: ${missing.map(String).join(', ')}; ${listing}`)
  }
  if (check.match === 'exact-any-order') {
    const wantedSet = new Set(wantedKeys)
    const extra = got.filter((_, i) => !wantedSet.has(gotKeys[i]))
    if (extra.length > 0) {
      failures.push(`body car: ${extra.length} blocks that should not be there: ${extra.map(String).join(', ')}`)
    }
  }
  return failures
}

async function carBlockCids (body: Uint8Array): Promise<CID[]> {
  const iterator = await CarCIDIterator.fromBytes(body)
  if (iterator.version !== 1) {
    throw new Error(`a CARv${iterator.version}`)
  }
  const cids: CID[] = []
  for await (const cid of iterator) cids.push(cid)
  return cids
}

function blockKey (cid: CID): string {
  return `${cid.code}:${toHex(cid.multihash.bytes, 'base16')}`
}

function firstDifference (a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return i
  }
  return -1
}
