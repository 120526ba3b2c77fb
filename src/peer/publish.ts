import { importer } from 'ipfs-unixfs-importer'
import { markPublished } from './pin-marker.ts'
import type { TabPeer } from './create-tab-peer.ts'
import type { PublishInput, PublishResult, PublishedRoot } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

// public types live with the SDK's other public types, which import no package
export type { PublishInput, PublishResult }

/** Verified blocks waiting to be written before the importer is made to wait: a large file never sits in memory whole. */
const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024

/**
 * Publishes files from this browser: imports them into the local store as
 * UnixFS (CIDv1, raw leaves), pins the root, and announces every
 * block through the edges, so other browsers can fetch it from this tab. One
 * file is published as itself; several are wrapped in a directory.
 */
export async function publishFiles (peer: Pick<TabPeer, 'local' | 'announce' | 'cache'>, files: PublishInput[], options: AbortOptions = {}): Promise<PublishResult> {
  options.signal?.throwIfAborted()
  if (files.length === 0) {
    throw new TypeError('nothing to publish: no files given')
  }
  const written: CID[] = []
  const store = {
    put: async (cid: CID, bytes: Uint8Array) => {
      options.signal?.throwIfAborted()
      // the importer made these bytes and their hash: they are verified by construction
      await peer.local.put(cid, bytes)
      written.push(cid)
      await peer.local.drained(MAX_UNWRITTEN_BYTES)
      return cid
    }
  }
  const wrap = files.length > 1
  const candidates = files.map(file => {
    const path = file instanceof File ? file.name : file.path
    const content = file instanceof File ? file : file.content
    return { path, content: content instanceof Blob ? readBlob(content) : content }
  })
  let root: { cid: CID, size: bigint } | undefined
  for await (const entry of importer(candidates, store, { cidVersion: 1, rawLeaves: true, wrapWithDirectory: wrap })) {
    root = { cid: entry.cid, size: entry.size }
  }
  await peer.local.flush()
  if (root == null) {
    throw new TypeError('the importer produced no root')
  }
  const name = candidates[0].path
  const published: PublishedRoot = { cid: root.cid.toString(), name, size: Number(root.size), publishedAt: Date.now() }
  await markPublished(published)
  if (peer.cache != null) {
    // kept as a pin: no eviction, by this tab, the SW or another page, takes what this browser published
    await peer.cache.startPin(root.cid, options)
    await peer.cache.protect(root.cid, written, options)
    await peer.cache.finishPin(root.cid, options)
  }
  await peer.announce(written)
  return {
    ...published,
    path: wrap ? `/ipfs/${published.cid}/` : `/ipfs/${published.cid}?filename=${encodeURIComponent(name)}`,
    blocks: written.length
  }
}

async function * readBlob (blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader()
  try {
    for (let r = await reader.read(); r.done !== true; r = await reader.read()) {
      yield r.value
    }
  } finally {
    reader.releaseLock()
  }
}
