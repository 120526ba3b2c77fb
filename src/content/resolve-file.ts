import { exporter } from 'ipfs-unixfs-exporter'
import type { CarPrefetch } from './car-prefetch.ts'
import type { CarQuery } from '../node/edge-car-fetcher.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { DiscoveryOptions } from '../node/provider-discovery.ts'
import type { ContentAddress } from '../lib/parse-gateway-url.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface ResolveFileOptions extends AbortOptions, DiscoveryOptions {
  onProgress(event: { type: string }): void
  /**
   * Batched fetching for this response: the path's blocks and the bytes of
   * the file it ends at come as one CAR stream
   */
  prefetch?: CarPrefetch
  /** The bytes of the file the reader wants, inclusive (a range request's), else all of it */
  range?: { from: number, to: number | '*' }
}

/**
 * The terminal CID when the path ends at a UnixFS file, so the file can be
 * streamed window by window (see stream-file-plugin.ts). The blocks read here
 * are the ones verified-fetch reads next, from the local store. Anything
 * unusual (not found, not UnixFS) is left for verified-fetch to answer.
 */
export async function resolveFile (node: EdgeNode, address: ContentAddress, method: string | undefined, options: ResolveFileOptions): Promise<CID | undefined> {
  if (method != null && method !== 'GET' && method !== 'HEAD') {
    return undefined
  }
  const range = options.range ?? { from: 0, to: '*' }
  // a HEAD needs no file bytes beyond the first
  const query: CarQuery = { cid: address.cid, path: address.path, range: method === 'HEAD' ? { from: range.from, to: range.from } : range }
  const blocks = options.prefetch?.pathView(query) ?? node.helia.blockstore
  try {
    const path = address.path.split('/').map(segment => decodeURIComponent(segment)).join('/')
    const entry = await exporter(`/ipfs/${address.cid.toString()}${path}`, blocks, options)
    if (entry.type !== 'file') {
      return undefined
    }
    options.prefetch?.resolved(blocks, entry.cid)
    return entry.cid
  } catch (err) {
    options.signal?.throwIfAborted()
    return undefined
  }
}
