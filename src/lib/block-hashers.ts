import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/**
 * The hash functions Edgeway checks blocks with (Helia's own defaults). A CID
 * hashed with anything else can never be verified here, so it is refused
 * before any source is asked for it.
 */
export const BLOCK_HASHERS: readonly MultihashHasher[] = [sha256, identity]

export function canVerify (multihashCode: number): boolean {
  return BLOCK_HASHERS.some(hasher => hasher.code === multihashCode)
}
