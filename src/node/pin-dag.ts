import { createUnsafe } from 'multiformats/block'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { concat } from 'uint8arrays/concat'
import { CustomProgressEvent } from 'progress-events'
import { blockKey } from './local-store-schema.ts'
import type { LocalCache } from './local-cache.ts'
import type { PinBlockDetail, PinInfo } from '../lib/types.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/** Blocks of one DAG layer read at once. */
const PIN_CONCURRENCY = 8

/** Times blocks found missing after pinning are stored again before the pin is reported incomplete. */
const STORE_ATTEMPTS = 3

/** The pin was removed (unpinned) while it was being pinned. */
export class PinRemovedError extends Error {
  static name = 'PinRemovedError'
  name = 'PinRemovedError'
}

/** Some blocks of the DAG could not be kept in the store (it is full, or refused the writes). */
export class PinIncompleteError extends Error {
  static name = 'PinIncompleteError'
  name = 'PinIncompleteError'
}

export interface PinDagComponents {
  /** The node's blockstore: the local store, then the edges; every block hashed before it is stored or returned */
  blockstore: Pick<Blockstore, 'get' | 'put'>
  getCodec: CodecLoader
  cache: LocalCache
  /** Resolves when the blocks fetched so far are written to the local store */
  flush(): Promise<void>
}

export type PinProgressEvents = CustomProgressEvent<PinBlockDetail, 'edgeway:pin:block'>

/**
 * Pins a DAG: every block is read through the node (from the local store, or
 * fetched and verified), and each block's key is added to the pin before the
 * block is fetched, so no eviction, here or in another context on the origin,
 * can take a block between its write and its protection. The pin is complete
 * once every block is found in the store.
 */
export async function pinDag (components: PinDagComponents, root: CID, options: AbortOptions & ProgressOptions<PinProgressEvents> = {}): Promise<PinInfo> {
  options.signal?.throwIfAborted()
  const { cache } = components
  // the node's own progress events (per transport, per broker) are not the pin's: only the signal goes down
  const down: AbortOptions = { signal: options.signal }
  const blocks = new Map<string, CID>()
  const stored = (cids: CID[]): CID[] => cids.filter(cid => cid.multihash.code !== identity.code)
  const protect = async (cids: CID[]): Promise<void> => {
    if (!await cache.protect(root, stored(cids), down)) {
      throw new PinRemovedError(`${root} was unpinned while it was being pinned`)
    }
  }
  const done = { blocks: 0, bytes: 0 }
  const read = async (cid: CID): Promise<Uint8Array> => {
    const block = await readBlock(components.blockstore, cid, down)
    done.blocks++
    done.bytes += block.byteLength
    options.onProgress?.(new CustomProgressEvent<PinBlockDetail>('edgeway:pin:block', { cid: cid.toString(), ...done }))
    return block
  }

  await cache.startPin(root, down)
  let layer = [root]
  blocks.set(blockKey(root), root)
  await protect(layer)
  while (layer.length > 0) {
    const next: CID[] = []
    await forEachLimited(layer, PIN_CONCURRENCY, async cid => {
      for (const child of await linksOf(components.getCodec, cid, await read(cid))) {
        const key = blockKey(child)
        if (!blocks.has(key)) {
          blocks.set(key, child)
          next.push(child)
        }
      }
    })
    await protect(next)
    layer = next
  }

  // what was fetched is written behind: once written, every block must be there
  for (let attempt = 1; ; attempt++) {
    await components.flush()
    const missing = await cache.missing(stored([...blocks.values()]), down)
    if (missing.length === 0) {
      break
    }
    if (attempt === STORE_ATTEMPTS) {
      await cache.finishPin(root, down)
      throw new PinIncompleteError(`${missing.length} of ${blocks.size} blocks of ${root} could not be stored`)
    }
    // verified bytes the node still holds in memory, or fetches again, stored once more
    await forEachLimited(missing, PIN_CONCURRENCY, async cid => {
      await components.blockstore.put(cid, await readBlock(components.blockstore, cid, down), down)
    })
  }
  const pin = await cache.finishPin(root, down)
  if (pin == null) {
    throw new PinRemovedError(`${root} was unpinned while it was being pinned`)
  }
  return pin
}

async function readBlock (blockstore: Pick<Blockstore, 'get'>, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) {
    return cid.multihash.digest
  }
  const chunks: Uint8Array[] = []
  for await (const chunk of blockstore.get(cid, options)) {
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks)
}

/** The CIDs a block links to, whatever its codec (raw blocks link to nothing). */
async function linksOf (getCodec: CodecLoader, cid: CID, bytes: Uint8Array): Promise<CID[]> {
  if (cid.code === raw.code) {
    return []
  }
  const block = createUnsafe({ cid, bytes, codec: await getCodec(cid.code) })
  return [...block.links()].map(([, link]) => link as CID)
}

async function forEachLimited<T> (items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      await run(items[next++])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
