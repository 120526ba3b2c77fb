import { exporter } from 'ipfs-unixfs-exporter'
import type { EdgeNode } from './node/create-edge-node.ts'
import type { ContentAddress } from './parse-gateway-url.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * The terminal CID when the path ends at a UnixFS file, so the file can be
 * streamed window by window (see stream-file-plugin.ts). The blocks read here
 * are the ones verified-fetch reads next, from the local store. Anything
 * unusual (not found, not UnixFS) is left for verified-fetch to answer.
 */
export async function resolveFile (node: EdgeNode, address: ContentAddress, method: string | undefined, options: AbortOptions & { onProgress(event: { type: string }): void }): Promise<CID | undefined> {
  if (method != null && method !== 'GET' && method !== 'HEAD') {
    return undefined
  }
  try {
    const path = address.path.split('/').map(segment => decodeURIComponent(segment)).join('/')
    const entry = await exporter(`/ipfs/${address.cid.toString()}${path}`, node.helia.blockstore, options)
    return entry.type === 'file' ? entry.cid : undefined
  } catch (err) {
    options.signal?.throwIfAborted()
    return undefined
  }
}
