import { blake3 as blake3Hash } from '@noble/hashes/blake3.js'
import { from } from 'multiformats/hashes/hasher'
import { BLAKE3_CODE } from './hash-matches.ts'
import type { MultihashHasher } from 'multiformats/hashes/interface'

/**
 * blake3 over @noble/hashes: multiformats ships no blake3 hasher and no
 * browser has blake3 built in, so it is hashed in JavaScript (a module of its
 * own: ~5 KiB gzip that only content hashed with blake3 needs).
 */
export const blake3: MultihashHasher<typeof BLAKE3_CODE> = from({
  name: 'blake3',
  code: BLAKE3_CODE,
  encode: (input: Uint8Array) => blake3Hash(input) as Uint8Array<ArrayBuffer>
})
