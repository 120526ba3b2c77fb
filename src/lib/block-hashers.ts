import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { blake3 } from './blake3-hasher.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

export { BLAKE3_CODE, MAX_IDENTITY_DIGEST_BYTES, canVerify } from './hash-matches.ts'
export { blake3 } from './blake3-hasher.ts'

/** The hashers of every hash `canVerify` accepts, for Helia's and bitswap's own checks. */
export const BLOCK_HASHERS: readonly MultihashHasher[] = [sha256, blake3, sha512, identity]
