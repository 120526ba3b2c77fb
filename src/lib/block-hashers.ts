import { blake3 as blake3Hash } from '@noble/hashes/blake3.js'
import { from } from 'multiformats/hashes/hasher'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/** The multicodec of blake3 (a 32-byte digest, as Kubo and Fleek make them). */
export const BLAKE3_CODE = 0x1e

/**
 * blake3 over @noble/hashes: multiformats ships no blake3 hasher and no
 * browser has blake3 built in, so it is hashed in JavaScript.
 */
export const blake3: MultihashHasher<typeof BLAKE3_CODE> = from({
  name: 'blake3',
  code: BLAKE3_CODE,
  encode: (input: Uint8Array) => blake3Hash(input) as Uint8Array<ArrayBuffer>
})

/**
 * The longest identity "digest" (the inlined bytes themselves) a CID may
 * carry: Helia's blockstore refuses longer ones, and Kubo's own limit is the
 * same, so a longer one is a malformed address rather than content.
 */
export const MAX_IDENTITY_DIGEST_BYTES = 128

/**
 * The hash functions Edgeway checks blocks with: every one IPFS content is
 * published with (Kubo's `--hash` choices in use, Fleek's blake3). A CID
 * hashed with anything else can never be verified here, so it is refused
 * before any source is asked for it.
 */
export const BLOCK_HASHERS: readonly MultihashHasher[] = [sha256, blake3, sha512, identity]

export function canVerify (multihashCode: number): boolean {
  return BLOCK_HASHERS.some(hasher => hasher.code === multihashCode)
}
