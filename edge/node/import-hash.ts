import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { blake3 } from '../../src/lib/block-hashers.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/**
 * The hash functions the edge imports with (`--hash`), by the names Kubo's
 * `ipfs add --hash` uses. Each is one the browser verifies.
 */
export const IMPORT_HASHES = {
  'sha2-256': sha256,
  blake3,
  'sha2-512': sha512
} as const satisfies Record<string, MultihashHasher>

export type ImportHash = keyof typeof IMPORT_HASHES

export const DEFAULT_IMPORT_HASH: ImportHash = 'sha2-256'

export function isImportHash (name: string): name is ImportHash {
  return Object.hasOwn(IMPORT_HASHES, name)
}
