import { CustomProgressEvent } from 'progress-events'
import type { BlockReceivedDetail, EdgeEndpoint } from '../types.ts'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Larger than any block a conforming producer makes (the spec limit is 2 MiB). */
const MAX_BLOCK_SIZE = 4 * 1024 * 1024

export interface EdgeHttpBrokerInit {
  /** Edges with an `http` URL, best first */
  edges: EdgeEndpoint[]
}

export type EdgeHttpProgressEvents =
  | CustomProgressEvent<BlockReceivedDetail>
  | CustomProgressEvent<{ cid: string, from: string, reason: string }>

export class BlockUnavailableError extends Error {
  static name = 'BlockUnavailableError'
  name = 'BlockUnavailableError'
}

/**
 * Fetches single blocks from edges' trustless gateways (`?format=raw`). Each
 * block is handed to `validateFn` (the hash check) before it is returned, so a
 * lying edge is skipped and the next one asked.
 */
export class EdgeHttpBroker implements BlockBroker<EdgeHttpProgressEvents> {
  readonly name = 'edgeway-edge-http'
  private readonly urls: string[]

  constructor (init: EdgeHttpBrokerInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
  }

  async retrieve (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents> = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const failures: string[] = []
    for (const url of this.urls) {
      try {
        const block = await fetchRawBlock(url, cid, options)
        await options.validateFn?.(block)
        options.onProgress?.(new CustomProgressEvent<BlockReceivedDetail>('edgeway:block:received', {
          cid: cid.toString(), source: 'edge', via: 'http', from: url
        }))
        return block
      } catch (err) {
        options.signal?.throwIfAborted()
        const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
        options.onProgress?.(new CustomProgressEvent('edgeway:block:rejected', { cid: cid.toString(), from: url, reason }))
        failures.push(`${url}: ${reason}`)
      }
    }
    throw new BlockUnavailableError(`No edge sent ${cid} over HTTP (${failures.join('; ') || 'no HTTP edges'})`)
  }
}

async function fetchRawBlock (edgeUrl: string, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  const response = await fetch(`${edgeUrl}/ipfs/${cid.toString()}?format=raw`, {
    headers: { Accept: 'application/vnd.ipld.raw' },
    signal: options.signal,
    cache: 'no-store'
  })
  if (!response.ok) {
    await response.body?.cancel()
    throw new BlockUnavailableError(`HTTP ${response.status}`)
  }
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > MAX_BLOCK_SIZE) {
    await response.body?.cancel()
    throw new BlockUnavailableError(`block of ${length} bytes is over the ${MAX_BLOCK_SIZE} byte limit`)
  }
  const block = new Uint8Array(await response.arrayBuffer())
  if (block.byteLength > MAX_BLOCK_SIZE) {
    throw new BlockUnavailableError(`block of ${block.byteLength} bytes is over the ${MAX_BLOCK_SIZE} byte limit`)
  }
  return block
}

export function edgeHttpBroker (init: EdgeHttpBrokerInit): () => EdgeHttpBroker {
  return () => new EdgeHttpBroker(init)
}
