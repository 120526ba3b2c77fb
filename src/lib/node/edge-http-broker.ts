import { CustomProgressEvent } from 'progress-events'
import { concat } from 'uint8arrays/concat'
import { edgeIdleMs, fetchWithIdleLimit } from './edge-idle-limit.ts'
import type { BlockReceivedDetail, BlockRejectedDetail, EdgeEndpoint, EdgesUnreachableDetail, EdgewayProgressEventName } from '../types.ts'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { EdgeMisses } from './edge-misses.ts'
import type { CID } from 'multiformats/cid'

/** Larger than any block a conforming producer makes (the spec limit is 2 MiB). */
const MAX_BLOCK_SIZE = 4 * 1024 * 1024

export interface EdgeHttpBrokerInit {
  /** Edges with an `http` URL, best first */
  edges: EdgeEndpoint[]
  /**
   * Whether a source other than these HTTP edges could still deliver a block
   * (an open libp2p connection). When none can and no HTTP edge could be
   * connected to, the broker says so at once (`edgeway:edges:unreachable`),
   * so the request ends instead of waiting out its timeout.
   *
   * @default () => true
   */
  otherSourcesReachable?(): boolean
  /** Told of blocks no edge has (every one answered 404), for sources that start when the edges fail */
  misses?: EdgeMisses
  /**
   * How long an edge may send nothing (no headers, or no more of the block)
   * before it is given up and the next edge asked
   *
   * @default edgeIdleMs(30000), 5000
   */
  idleMs?: number
}

export type EdgeHttpProgressEvents =
  | CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>
  | CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>
  | CustomProgressEvent<EdgesUnreachableDetail, EdgewayProgressEventName>

export class BlockUnavailableError extends Error {
  static name = 'BlockUnavailableError'
  name = 'BlockUnavailableError'
  /** The edge's HTTP status, when it answered */
  readonly status?: number

  constructor (message: string, status?: number) {
    super(message)
    this.status = status
  }
}

/**
 * Fetches single blocks from edges' trustless gateways (`?format=raw`). Each
 * block is handed to `validateFn` (the hash check) before it is returned, so a
 * lying edge is skipped and the next one asked.
 */
export class EdgeHttpBroker implements BlockBroker<EdgeHttpProgressEvents> {
  readonly name = 'edgeway-edge-http'
  private readonly urls: string[]
  private readonly otherSourcesReachable: () => boolean
  private readonly misses?: EdgeMisses
  private readonly idleMs: number

  constructor (init: EdgeHttpBrokerInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.otherSourcesReachable = init.otherSourcesReachable ?? (() => true)
    this.misses = init.misses
    this.idleMs = init.idleMs ?? edgeIdleMs(30_000)
  }

  async retrieve (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents> = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const failures: string[] = []
    let unreachable = 0
    let absent = 0
    for (const url of this.urls) {
      let block: Uint8Array
      try {
        block = await fetchRawBlock(url, cid, { signal: options.signal, idleMs: this.idleMs })
      } catch (err) {
        options.signal?.throwIfAborted()
        // fetch() rejects with a TypeError only when it got no HTTP answer at all: refused, offline, DNS
        if (err instanceof TypeError) unreachable++
        // a stalled edge is neither absent nor unreachable: it may answer later, so it counts as neither
        if (err instanceof BlockUnavailableError && err.status === 404) absent++
        failures.push(`${url}: ${describe(err)}`)
        continue
      }
      try {
        await options.validateFn?.(block)
      } catch (err) {
        options.signal?.throwIfAborted()
        // the edge sent bytes that are not this block: never use them, ask the next edge
        options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
          cid: cid.toString(), from: url, reason: describe(err)
        }))
        failures.push(`${url}: ${describe(err)}`)
        continue
      }
      options.onProgress?.(new CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>('edgeway:block:received', {
        cid: cid.toString(), source: 'edge', via: 'http', from: url, bytes: block.byteLength
      }))
      return block
    }
    if (unreachable > 0 && unreachable === this.urls.length && !this.otherSourcesReachable()) {
      options.onProgress?.(new CustomProgressEvent<EdgesUnreachableDetail, EdgewayProgressEventName>('edgeway:edges:unreachable', {
        cid: cid.toString(), edges: this.urls
      }))
    }
    if (absent > 0 && absent === this.urls.length) {
      this.misses?.record(cid)
    }
    throw new BlockUnavailableError(`No edge sent ${cid} over HTTP (${failures.join('; ') || 'no HTTP edges'})`)
  }
}

async function fetchRawBlock (edgeUrl: string, cid: CID, options: AbortOptions & { idleMs: number }): Promise<Uint8Array> {
  const { response, chunks } = await fetchWithIdleLimit(`${edgeUrl}/ipfs/${cid.toString()}?format=raw`, {
    headers: { Accept: 'application/vnd.ipld.raw' },
    cache: 'no-store'
  }, options)
  if (!response.ok) {
    await response.body?.cancel()
    throw new BlockUnavailableError(`HTTP ${response.status}`, response.status)
  }
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > MAX_BLOCK_SIZE || response.body == null) {
    await response.body?.cancel()
    throw new BlockUnavailableError(`block of ${length} bytes is over the ${MAX_BLOCK_SIZE} byte limit`)
  }
  return collectLimited(chunks, MAX_BLOCK_SIZE)
}

/** Chunks up to `limit` bytes in all, giving up as soon as they pass it. */
async function collectLimited (source: AsyncGenerator<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of source) {
    size += chunk.byteLength
    if (size > limit) {
      // leaving the loop ends the generator, which cancels the response
      throw new BlockUnavailableError(`block is over the ${limit} byte limit`)
    }
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, size)
}

/** Reads a body, giving up as soon as it passes `limit` bytes: an edge cannot make us hold more. */
export async function readLimited (body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  return collectLimited(bodyChunks(body), limit)
}

async function * bodyChunks (body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    for (let r = await reader.read(); r.done !== true; r = await reader.read()) {
      yield r.value
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
