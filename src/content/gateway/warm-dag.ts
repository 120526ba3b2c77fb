import type { EdgeNode } from '../../node/create-edge-node.ts'
import type { ContentAddress } from '../../lib/parse-gateway-url.ts'
import type { AbortOptions } from '@libp2p/interface'

/** The most a whole-DAG answer brings in one CAR before the rest comes block by block. */
const MAX_WARM_BYTES = 64 * 1024 * 1024

/**
 * A CAR or TAR of a DAG (not of one block) reads every block under the path,
 * one at a time, depth first: hundreds of round trips for a sharded
 * directory. One edge CAR of the whole DAG (`dag-scope=all`) brings them
 * instead; each block is hashed against its CID as it arrives and kept, since
 * the request asked for all of them. Anything missing (no HTTP edge, an edge
 * that fails or lies, more than the limit) is fetched block by block as
 * before.
 */
export async function warmDag (node: EdgeNode, address: ContentAddress, options: AbortOptions = {}): Promise<void> {
  if (!node.cars.available) {
    return
  }
  let bytes = 0
  try {
    for await (const block of node.cars.fetch({ cid: address.cid, path: address.path, scope: 'all' }, options)) {
      await node.local.put(block.cid, block.bytes, options)
      bytes += block.bytes.byteLength
      if (bytes > MAX_WARM_BYTES) {
        break
      }
    }
  } catch {
    options.signal?.throwIfAborted()
  }
}

/** True when the client wants a whole DAG: a TAR, or a CAR of more than one block. */
export function wantsWholeDag (accept: string | null, query: URLSearchParams): boolean {
  const type = (accept ?? '').split(',')[0].split(';')[0].trim().toLowerCase()
  return type === 'application/x-tar' || (type === 'application/vnd.ipld.car' && query.get('dag-scope') !== 'block')
}
