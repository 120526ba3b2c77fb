import * as dagPb from '@ipld/dag-pb'
import { walkPath } from 'ipfs-unixfs-exporter'
import * as raw from 'multiformats/codecs/raw'
import type { ContentFetcherComponents } from '../content-fetcher.ts'
import type { ContentAddress } from '../../lib/parse-gateway-url.ts'
import type { AbortOptions } from '@libp2p/interface'

/**
 * True when a path through a DAG-JSON/CBOR node ends inside one of its
 * fields rather than at a link (`/ipfs/<node>/foo` where `foo` is a map):
 * a gateway only paths through links, so that is 501, not the node itself.
 * UnixFS roots are left to the UnixFS walk. Errors are left for the real
 * request to report.
 */
export async function pathEndsInsideNode (node: Pick<ContentFetcherComponents, 'helia'>, address: ContentAddress, options: AbortOptions): Promise<boolean> {
  if (address.path === '' || address.path === '/' || address.cid.code === dagPb.code || address.cid.code === raw.code) {
    return false
  }
  try {
    const path = address.path.split('/').map(segment => decodeURIComponent(segment)).join('/')
    let last: { remainder?: string[] } | undefined
    for await (const entry of walkPath(`/ipfs/${address.cid.toString()}${path}`, node.helia.blockstore, options)) {
      last = entry as { remainder?: string[] }
    }
    return (last?.remainder?.filter(segment => segment !== '').length ?? 0) > 0
  } catch {
    options.signal?.throwIfAborted()
    return false
  }
}
