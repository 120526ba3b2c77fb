import { CustomProgressEvent } from 'progress-events'
import { readCar } from './car-stream.ts'
import { hashMatches } from './verified-blockstore.ts'
import type { BlockRejectedDetail, EdgeEndpoint, EdgewayProgressEventName } from '../types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/** What one CAR request asks an edge for: a DAG entity, reached by a path, optionally a byte range of a file. */
export interface CarQuery {
  cid: CID
  /** Percent-encoded path under `cid`, `''` or starting with `/` */
  path?: string
  /** Inclusive byte range of the entity, when it is a file; `*` for "to the end" */
  range?: { from: number, to: number | '*' }
  /**
   * `all`: every block under the path, not just the entity
   *
   * @default 'entity'
   */
  scope?: 'entity' | 'all'
}

export interface CarBlock {
  cid: CID
  bytes: Uint8Array
  /** The edge's URL */
  from: string
}

export class CarFetchError extends Error {
  static name = 'CarFetchError'
  name = 'CarFetchError'
}

export type CarFetchOptions = AbortOptions & ProgressOptions

/**
 * Asks edges' trustless gateways for whole entities as CAR streams
 * (`?format=car&dag-scope=entity[&entity-bytes=from:to]`): one request for
 * what the per-block path would take dozens of round trips to fetch. Every
 * block is checked against its CID before it is yielded; a block that fails
 * ends the stream (that edge is lying) and is reported as rejected. The
 * caller falls back to per-block fetching for anything the CAR did not bring.
 */
export class EdgeCarFetcher {
  private readonly urls: string[]
  /** Edges that sent a block not matching its CID: no more CARs from them */
  private readonly distrusted = new Set<string>()

  constructor (edges: EdgeEndpoint[]) {
    this.urls = edges.flatMap(edge => edge.http == null ? [] : [edge.http])
  }

  get available (): boolean {
    return this.urls.length > 0
  }

  /**
   * Verified blocks in the order the edge sends them (depth-first). Throws
   * CarFetchError when no edge answers, or when the one answering fails
   * mid-stream, sends a block that does not match its CID, or too much.
   */
  async * fetch (query: CarQuery, options: CarFetchOptions): AsyncGenerator<CarBlock> {
    // ending early (a lie, the limit, the caller stopping) must end the download too
    const done = new AbortController()
    const signal = options.signal == null ? done.signal : AbortSignal.any([done.signal, options.signal])
    const response = await this.open(query, { signal })
    if (response == null) {
      throw new CarFetchError(`No edge answered ${carUrl('', query)}`)
    }
    const { url, body } = response
    try {
      for await (const block of readCar(chunks(body))) {
        if (!await hashMatches(block.cid, block.bytes)) {
          options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
            cid: block.cid.toString(), from: url, reason: 'CAR block does not match its CID'
          }))
          this.distrusted.add(url)
          throw new CarFetchError(`${url} sent a block that does not match its CID ${block.cid.toString()}`)
        }
        yield { cid: block.cid, bytes: block.bytes, from: url }
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      // a truncated or malformed CAR: what was verified stays usable, the rest comes another way
      throw err instanceof CarFetchError ? err : new CarFetchError(`${url}: the CAR ended badly: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      done.abort()
    }
  }

  /** The first edge that answers 200 with a CAR, in the configured order, skipping edges that lied. */
  private async open (query: CarQuery, options: AbortOptions): Promise<{ url: string, body: ReadableStream<Uint8Array> } | undefined> {
    for (const url of this.urls.filter(url => !this.distrusted.has(url))) {
      options.signal?.throwIfAborted()
      try {
        const response = await fetch(carUrl(url, query), {
          headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
          signal: options.signal,
          cache: 'no-store'
        })
        if (response.ok && response.body != null) {
          return { url, body: response.body }
        }
        await response.body?.cancel()
      } catch {
        options.signal?.throwIfAborted()
      }
    }
    return undefined
  }
}

export function carUrl (edge: string, query: CarQuery): string {
  const params = new URLSearchParams({ format: 'car', 'dag-scope': query.scope ?? 'entity', 'car-order': 'dfs', 'car-dups': 'n' })
  if (query.range != null) {
    params.set('entity-bytes', `${query.range.from}:${query.range.to}`)
  }
  return `${edge}/ipfs/${query.cid.toString()}${query.path ?? ''}?${params.toString()}`
}

async function * chunks (body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
    yield chunk.value
  }
}
