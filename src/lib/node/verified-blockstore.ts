import { sha256 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import { equals } from 'uint8arrays/equals'
import { toString } from 'uint8arrays/to-string'
import type { AbortOptions, Logger } from '@libp2p/interface'
import type { Blockstore, Pair, InputPair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const HASHERS: MultihashHasher[] = [sha256, identity]

export class CorruptBlockError extends Error {
  static name = 'CorruptBlockError'
  name = 'CorruptBlockError'
}

/**
 * The local store as the node sees it.
 *
 * Reads: a block read back from IndexedDB is checked against its CID before
 * anyone uses it. IndexedDB is shared with other code on the origin and can be
 * damaged, so "it is in the cache" is not proof. A corrupt block is deleted,
 * so the next read fetches an honest copy from the network.
 *
 * Writes happen behind: `put` keeps the block in memory and returns at once,
 * so a verified block goes on to the reader without waiting for IndexedDB.
 * Callers must only put blocks they have verified (Helia hashes every block a
 * broker returns before it puts it). A write that fails (quota, a closed
 * database) leaves the block uncached, never half-written: each block is one
 * IndexedDB transaction.
 */
export class VerifiedBlockstore implements Blockstore {
  private readonly child: Blockstore
  private readonly pending = new Map<string, { block: Uint8Array, written: Promise<void> }>()
  private readonly log: Logger

  constructor (child: Blockstore, log: Logger) {
    this.child = child
    this.log = log
  }

  /** Resolves when every write started so far has settled. */
  async flush (): Promise<void> {
    await Promise.all([...this.pending.values()].map(async p => p.written))
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const pending = this.pending.get(keyOf(cid))
    if (pending != null) {
      yield pending.block
      return
    }
    const chunks: Uint8Array[] = []
    for await (const chunk of this.child.get(cid, options)) {
      chunks.push(chunk)
    }
    const block = chunks.length === 1 ? chunks[0] : concat(chunks)
    if (!await hashMatches(cid, block)) {
      await this.child.delete(cid, options)
      throw new CorruptBlockError(`Stored block ${cid} does not match its hash and was removed`)
    }
    yield block
  }

  async put (cid: CID, block: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    if (!(block instanceof Uint8Array)) {
      return this.child.put(cid, block, options)
    }
    const key = keyOf(cid)
    if (this.pending.has(key)) {
      return cid
    }
    // not tied to the request's signal: a reader going away must not lose a verified block
    const written = Promise.resolve(this.child.put(cid, block)).then(() => {}, (err: Error) => {
      this.log.error('could not store %c, it stays uncached - %e', cid, err)
    }).finally(() => {
      this.pending.delete(key)
    })
    this.pending.set(key, { block, written })
    return cid
  }

  async * putMany (source: AsyncIterable<InputPair> | Iterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    yield * this.child.putMany(source, options)
  }

  async * getMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    return this.pending.has(keyOf(cid)) || this.child.has(cid, options)
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    await this.pending.get(keyOf(cid))?.written
    await this.child.delete(cid, options)
  }

  async * deleteMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    yield * this.child.deleteMany(source, options)
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    yield * this.child.getAll(options)
  }
}

/** Blocks whose hash we cannot compute locally are refused rather than trusted. */
export async function hashMatches (cid: CID, block: Uint8Array): Promise<boolean> {
  const hasher = HASHERS.find(h => h.code === cid.multihash.code)
  if (hasher == null) {
    return false
  }
  const digest = await hasher.digest(block)
  return equals(digest.digest, cid.multihash.digest)
}

/** Blocks are addressed by multihash: a CIDv0 and a CIDv1 of the same bytes are one block. */
function keyOf (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}

function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
