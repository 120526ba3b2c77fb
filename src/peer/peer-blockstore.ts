import { hashMatches } from '../node/verified-blockstore.ts'
import { VerificationError } from '../lib/errors.ts'
import { collect } from './collect.ts'
import type { VerifiedBlockstore } from '../node/verified-blockstore.ts'
import type { ServeGate } from './share-policy.ts'
import type { ServedCounts } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * The local store as the tab peer's Helia node sees it. Helia reads it for
 * one thing only, answering other peers' bitswap wants, so reads are where
 * sharing is decided: a block the gate does not serve (serving off, or a
 * block the user only viewed) looks absent, and bitswap answers "don't have",
 * so a connected peer learns by asking no more than the routing lists.
 * Every block written is hashed first, whoever sent it, so nothing
 * unverified reaches the store shared with the SW. The peer's own lookups go
 * to `local`, never through this gate.
 */
export class PeerBlockstore implements Blockstore {
  readonly local: VerifiedBlockstore
  private readonly gate: ServeGate
  readonly served: ServedCounts = { blocks: 0, bytes: 0 }

  constructor (local: VerifiedBlockstore, gate: ServeGate) {
    this.local = local
    this.gate = gate
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    return this.gate.serves(cid) && await this.local.has(cid, options)
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    if (!this.gate.serves(cid)) {
      throw new BlockNotServedError(`${cid} is not shared by this browser`)
    }
    for await (const chunk of this.local.get(cid, options)) {
      // bitswap reads a block to send it: this is what was served
      this.served.bytes += chunk.byteLength
      yield chunk
    }
    this.served.blocks++
  }

  async put (cid: CID, block: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = block instanceof Uint8Array ? block : await collect(block)
    if (!await hashMatches(cid, bytes)) {
      throw new VerificationError(`refused to store ${cid}: its bytes do not match its hash`)
    }
    return this.local.put(cid, bytes, options)
  }

  async * putMany (source: AsyncIterable<InputPair> | Iterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) {
      yield await this.put(cid, bytes, options)
    }
  }

  async * getMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    await this.local.delete(cid, options)
  }

  async * deleteMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    yield * this.local.deleteMany(source, options)
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const pair of this.local.getAll(options)) {
      if (this.gate.serves(pair.cid)) {
        yield pair
      }
    }
  }
}

/** Named as the blockstore interface's own "not found", which Helia and bitswap recognise. */
export class BlockNotServedError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}
