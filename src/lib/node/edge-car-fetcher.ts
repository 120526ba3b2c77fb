import { CustomProgressEvent } from 'progress-events'
import { readCar } from './car-stream.ts'
import { edgeIdleMs, fetchWithIdleLimit } from './edge-idle-limit.ts'
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
  /** The edges that failed this request (refused, errored, stalled, broke off or lied), so a retry can ask others */
  readonly edges: string[]

  constructor (message: string, edges: string[] = []) {
    super(message)
    this.edges = edges
  }
}

export interface CarFetchOptions extends AbortOptions, ProgressOptions {
  /** Edges not to ask this time (they failed an earlier part of the same response) */
  skip?: ReadonlySet<string>
}

export interface EdgeCarFetcherInit {
  /**
   * How long an edge may send nothing (no headers, or no more of the CAR)
   * before its CAR is given up and the next edge asked
   *
   * @default edgeIdleMs(30000), 5000
   */
  idleMs?: number
}

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
  private readonly idleMs: number

  constructor (edges: EdgeEndpoint[], init: EdgeCarFetcherInit = {}) {
    this.urls = edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.idleMs = init.idleMs ?? edgeIdleMs(30_000)
  }

  get available (): boolean {
    return this.urls.length > 0
  }

  /**
   * Verified blocks in the order the edge sends them (depth-first). Throws
   * CarFetchError when no edge answers, or when the one answering fails
   * mid-stream (breaks off, or sends nothing for the idle limit), sends a
   * block that does not match its CID, or too much. The error names the
   * edges that failed; the blocks yielded before it are verified and stay
   * good, so a retry need only ask for the rest.
   */
  async * fetch (query: CarQuery, options: CarFetchOptions): AsyncGenerator<CarBlock> {
    // ending early (a lie, the limit, the caller stopping) must end the download too
    const done = new AbortController()
    const signal = options.signal == null ? done.signal : AbortSignal.any([done.signal, options.signal])
    const failed: string[] = []
    const response = await this.open(query, { signal, skip: options.skip, failed })
    if (response == null) {
      done.abort()
      throw new CarFetchError(`No edge answered ${carUrl('', query)}`, failed)
    }
    const { url, chunks } = response
    try {
      for await (const block of readCar(chunks)) {
        if (!await hashMatches(block.cid, block.bytes)) {
          options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
            cid: block.cid.toString(), from: url, reason: 'CAR block does not match its CID'
          }))
          this.distrusted.add(url)
          throw new CarFetchError(`${url} sent a block that does not match its CID ${block.cid.toString()}`, [...failed, url])
        }
        yield { cid: block.cid, bytes: block.bytes, from: url }
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      // a truncated or malformed CAR: what was verified stays usable, the rest comes another way
      throw err instanceof CarFetchError ? err : new CarFetchError(`${url}: the CAR ended badly: ${err instanceof Error ? err.message : String(err)}`, [...failed, url])
    } finally {
      done.abort()
    }
  }

  /**
   * The first edge that answers 200 with a CAR, in the configured order,
   * skipping edges that lied and those in `skip`; each that fails (an error
   * status, no answer within the idle limit) is added to `failed`.
   */
  private async open (query: CarQuery, options: AbortOptions & { skip?: ReadonlySet<string>, failed: string[] }): Promise<{ url: string, chunks: AsyncGenerator<Uint8Array> } | undefined> {
    for (const url of this.urls.filter(url => !this.distrusted.has(url) && options.skip?.has(url) !== true)) {
      options.signal?.throwIfAborted()
      try {
        const { response, chunks } = await fetchWithIdleLimit(carUrl(url, query), {
          headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
          cache: 'no-store'
        }, { idleMs: this.idleMs, signal: options.signal })
        if (response.ok && response.body != null) {
          return { url, chunks }
        }
        await response.body?.cancel()
      } catch {
        options.signal?.throwIfAborted()
      }
      options.failed.push(url)
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
