import { createReadStream } from 'node:fs'
import { CarBlockIterator } from '@ipld/car'
import { logger } from '@libp2p/logger'
import { identity } from 'multiformats/hashes/identity'
import { digestMatches, identityMatches } from '../../src/lib/hash-matches.ts'
import { BlockVerificationError, InvalidCarError, UnsupportedHashError } from './errors.ts'
import type { ImportTarget } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const log = logger('edgeway:edge:import-car')

export type HasherLoader = (code: number) => MultihashHasher | Promise<MultihashHasher>

export interface CarImportResult {
  root: CID
  blocks: number
}

/**
 * Streams a CARv1 file into the blockstore, block by block, so its size is not
 * bounded by memory. Every block is hashed and compared with its CID before it
 * is stored: a CAR is untrusted input. DAGs may be incomplete (a CAR of one
 * sub-graph is fine); the root is the first root in the header.
 */
export async function importCar (file: string, target: ImportTarget, getHasher: HasherLoader, options: AbortOptions = {}): Promise<CarImportResult> {
  options.signal?.throwIfAborted()
  const stream = createReadStream(file)

  try {
    let blocks: CarBlockIterator
    try {
      blocks = await CarBlockIterator.fromIterable(stream)
    } catch (err: any) {
      throw new InvalidCarError(`${file}: not a CARv1 file - ${err.message}`)
    }

    const [root] = await blocks.getRoots()
    if (root == null) {
      throw new InvalidCarError(`${file}: the CAR header names no root`)
    }

    let count = 0
    try {
      for await (const { cid, bytes } of blocks) {
        options.signal?.throwIfAborted()
        await verifyBlock(cid, bytes, getHasher)

        if (cid.multihash.code === identity.code) {
          // the bytes are in the CID itself; nothing to store
          continue
        }

        if (!(await target.has(cid, options))) {
          await target.put(cid, bytes, options)
        }
        count++
      }
    } catch (err: any) {
      if (err.name === BlockVerificationError.name || err.name === UnsupportedHashError.name || err.name === 'AbortError') {
        throw err
      }
      throw new InvalidCarError(`${file}: could not read block ${count + 1} - ${err.message}`)
    }

    log('imported %d blocks from %s, root %c', count, file, root)
    return { root: root.toV1(), blocks: count }
  } finally {
    stream.destroy()
  }
}

/**
 * Throws unless `bytes` hash to `cid`'s multihash, by the browser's rule
 * (`hashMatches`): a digest truncated below 20 bytes proves nothing.
 */
export async function verifyBlock (cid: CID, bytes: Uint8Array, getHasher: HasherLoader): Promise<void> {
  let hasher: MultihashHasher
  try {
    hasher = await getHasher(cid.multihash.code)
  } catch {
    throw new UnsupportedHashError(`block ${cid} uses hash 0x${cid.multihash.code.toString(16)}, which the edge cannot verify`)
  }

  const expected = cid.multihash.digest
  const matches = cid.multihash.code === identity.code ? identityMatches(expected, bytes) : digestMatches(expected, (await hasher.digest(bytes)).digest)
  if (!matches) {
    throw new BlockVerificationError(`block ${cid} does not match its hash`)
  }
}
