import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** The multicodec of blake3 (a 32-byte digest, as Kubo and Fleek make them). */
export const BLAKE3_CODE = 0x1e

/**
 * The longest identity "digest" (the inlined bytes themselves) a CID may
 * carry: Helia's blockstore refuses longer ones, and Kubo's own limit is the
 * same, so a longer one is a malformed address rather than content.
 */
export const MAX_IDENTITY_DIGEST_BYTES = 128

/** The shortest truncated digest accepted as proof of a block's bytes. */
export const MIN_TRUNCATED_DIGEST = 20

/**
 * The hash functions Edgeway checks blocks with: every one IPFS content is
 * published with (Kubo's `--hash` choices in use, Fleek's blake3). A CID
 * hashed with anything else can never be verified here, so it is refused
 * before any source is asked for it.
 */
const VERIFIABLE = new Set([sha256.code, BLAKE3_CODE, sha512.code, identity.code])

export function canVerify (multihashCode: number): boolean {
  return VERIFIABLE.has(multihashCode)
}

async function hasherOf (code: number): Promise<MultihashHasher | undefined> {
  switch (code) {
    case sha256.code: return sha256
    case sha512.code: return sha512
    case identity.code: return identity
    case BLAKE3_CODE: return (await import('./blake3-hasher.ts')).blake3
    default: return undefined
  }
}

/** Whether `block` is the block `cid` names. Blocks whose hash we cannot compute locally are refused rather than trusted. */
export async function hashMatches (cid: CID, block: Uint8Array): Promise<boolean> {
  const hasher = await hasherOf(cid.multihash.code)
  if (hasher == null) {
    return false
  }
  if (hasher.code === identity.code) {
    // the "digest" is the block itself: the same bytes, never a prefix of them
    return identityMatches(cid.multihash.digest, block)
  }
  return digestMatches(cid.multihash.digest, (await hasher.digest(block)).digest)
}

/**
 * Whether a block whose hash (not identity) is `actual` is the block a CID
 * carrying the digest `expected` names: the whole digest, or one truncated
 * to no fewer than 20 bytes (a shorter one proves nothing: an empty digest
 * matches any bytes)
 */
export function digestMatches (expected: Uint8Array, actual: Uint8Array): boolean {
  if (expected.byteLength === actual.byteLength) {
    return equals(actual, expected)
  }
  return expected.byteLength >= MIN_TRUNCATED_DIGEST && expected.byteLength < actual.byteLength && equals(actual.subarray(0, expected.byteLength), expected)
}

/** Whether `block` is the block an identity CID carrying `digest` names */
export function identityMatches (digest: Uint8Array, block: Uint8Array): boolean {
  return digest.byteLength <= MAX_IDENTITY_DIGEST_BYTES && equals(block, digest)
}
