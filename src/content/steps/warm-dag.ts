import type { ContentStep } from './index.ts'

/** The most a whole-DAG answer brings in one CAR before the rest comes block by block. */
export const MAX_WARM_BYTES = 64 * 1024 * 1024

/**
 * A CAR or TAR of a DAG (not of one block) reads every block under the path,
 * one at a time, depth first: hundreds of round trips for a sharded
 * directory. One edge CAR of the whole DAG (`dag-scope=all`) brings them
 * instead; each block is hashed against its CID as it arrives and kept, since
 * the request asked for all of them. Anything missing (no HTTP edge, an edge
 * that fails or lies, more than the limit) is fetched block by block as
 * before.
 */
export const warmDagStep: ContentStep = {
  name: 'warm-dag',
  async run (request) {
    const { cars, local } = request.components
    if (request.offline || !cars.available || !wantsWholeDag(request.wanted, new URLSearchParams(request.address.search))) {
      return undefined
    }
    const options = { signal: request.signal }
    let bytes = 0
    try {
      for await (const block of cars.fetch({ cid: request.address.cid, path: request.address.path, scope: 'all' }, options)) {
        await local.put(block.cid, block.bytes, options)
        bytes += block.bytes.byteLength
        if (bytes > MAX_WARM_BYTES) {
          break
        }
      }
    } catch {
      request.signal.throwIfAborted()
    }
    return undefined
  }
}

/** True when the client wants a whole DAG: a TAR, or a CAR of more than one block. */
export function wantsWholeDag (accept: string | null, query: URLSearchParams): boolean {
  const type = (accept ?? '').split(',')[0].split(';')[0].trim().toLowerCase()
  return type === 'application/x-tar' || (type === 'application/vnd.ipld.car' && query.get('dag-scope') !== 'block')
}
