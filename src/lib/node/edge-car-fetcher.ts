import { CustomProgressEvent } from 'progress-events'
import { OutpacedError, hedge } from '../hedge.ts'
import { readCar } from './car-stream.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
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

/** A CAR response that has sent its first verified block. */
interface OpenCar {
  url: string
  /** The first block, already checked; undefined for a CAR with no blocks */
  first?: CarBlock
  rest: AsyncIterator<{ cid: CID, bytes: Uint8Array }>
  /** Records the edge's throughput once the stream ends */
  finish(): void
}

export interface EdgeCarFetcherInit {
  /**
   * Orders the edges, sets when a request is hedged, and is told of every
   * answer, failure and lie
   *
   * @default measurements of this fetcher alone, kept in memory
   */
  health?: EdgeHealth
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
 * what the per-block path would take dozens of round trips to fetch. The best
 * edge by health is asked first, the next one too when the first has not
 * answered within its hedge delay; the first to send a verified block wins
 * and the other requests are aborted. Every block is checked against its CID
 * before it is yielded; a block that fails ends the stream, is reported as
 * rejected, and demotes the edge (no more CARs from it while it is demoted).
 * The caller falls back to per-block fetching for anything the CAR did not
 * bring.
 */
export class EdgeCarFetcher {
  private readonly urls: string[]
  private readonly health: EdgeHealth
  private readonly idleMs: number

  constructor (edges: EdgeEndpoint[], init: EdgeCarFetcherInit = {}) {
    this.urls = edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.health = init.health ?? new EdgeHealth()
    this.idleMs = init.idleMs ?? edgeIdleMs(30_000)
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
    const trusted = this.health.rank(this.urls, url => url).filter(url => !this.health.isDemoted(url) && options.skip?.has(url) !== true)
    const failed: string[] = []
    let car: OpenCar
    try {
      car = (await hedge(trusted, async (url, attempt, answered) => {
        try {
          return await this.open(url, query, { ...options, signal: attempt }, answered)
        } catch (err) {
          if (!attempt.aborted) failed.push(url)
          throw err
        }
      }, {
        signal, delayMs: url => this.health.hedgeDelayMs(url)
      })).value
    } catch {
      done.abort()
      options.signal?.throwIfAborted()
      throw new CarFetchError(`No edge answered ${carUrl('', query)}`, failed)
    }
    const { url } = car
    try {
      if (car.first != null) {
        yield car.first
      }
      for (let next = await car.rest.next(); next.done !== true; next = await car.rest.next()) {
        yield await this.verified(url, next.value, options)
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      if (!(err instanceof CarFetchError) && !done.signal.aborted) this.health.failed(url)
      // a truncated or malformed CAR: what was verified stays usable, the rest comes another way
      throw err instanceof CarFetchError
        ? new CarFetchError(err.message, [...failed, url])
        : new CarFetchError(`${url}: the CAR ended badly: ${err instanceof Error ? err.message : String(err)}`, [...failed, url])
    } finally {
      car.finish()
      done.abort()
    }
  }

  /** One edge's CAR up to its first verified block, with what it says about the edge recorded. */
  private async open (url: string, query: CarQuery, options: CarFetchOptions & { signal: AbortSignal }, onAnswer: () => void): Promise<OpenCar> {
    const started = performance.now()
    let answered = false
    try {
      const { response, chunks } = await fetchWithIdleLimit(carUrl(url, query), {
        headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
        cache: 'no-store'
      }, { idleMs: this.idleMs, signal: options.signal })
      answered = true
      this.health.answered(url, performance.now() - started)
      onAnswer()
      if (!response.ok || response.body == null) {
        await response.body?.cancel()
        if (response.status >= 500) this.health.failed(url)
        throw new CarFetchError(`${url}: HTTP ${response.status}`)
      }
      const meter = new TransferMeter(chunks)
      const rest = readCar(meter.chunks())[Symbol.asyncIterator]()
      const next = await rest.next()
      const first = next.done === true ? undefined : await this.verified(url, next.value, options)
      return { url, first, rest, finish: () => { this.health.transferred(url, meter.bytes, meter.waitedMs) } }
    } catch (err) {
      if (options.signal.reason instanceof OutpacedError) {
        if (!answered) this.health.outpaced(url, performance.now() - started)
      } else if (!options.signal.aborted && !(err instanceof CarFetchError)) {
        this.health.failed(url)
      }
      throw err
    }
  }

  private async verified (url: string, block: { cid: CID, bytes: Uint8Array }, options: CarFetchOptions): Promise<CarBlock> {
    if (!await hashMatches(block.cid, block.bytes)) {
      options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
        cid: block.cid.toString(), from: url, reason: 'CAR block does not match its CID'
      }))
      this.health.lied(url)
      throw new CarFetchError(`${url} sent a block that does not match its CID ${block.cid.toString()}`)
    }
    return { cid: block.cid, bytes: block.bytes, from: url }
  }
}

/**
 * A response body as chunks, counting the bytes and the time spent waiting
 * for them: the edge's throughput, not the reader's (a paused reader does not
 * make the edge look slow).
 */
class TransferMeter {
  bytes = 0
  waitedMs = 0
  private readonly source: AsyncIterable<Uint8Array>

  constructor (source: AsyncIterable<Uint8Array>) {
    this.source = source
  }

  async * chunks (): AsyncGenerator<Uint8Array> {
    const iterator = this.source[Symbol.asyncIterator]()
    try {
      while (true) {
        const asked = performance.now()
        const chunk = await iterator.next()
        this.waitedMs += performance.now() - asked
        if (chunk.done === true) return
        this.bytes += chunk.value.byteLength
        yield chunk.value
      }
    } finally {
      // leaving early (a lie, the caller stopping) cancels the response
      await iterator.return?.()
    }
  }
}

export function carUrl (edge: string, query: CarQuery): string {
  const params = new URLSearchParams({ format: 'car', 'dag-scope': query.scope ?? 'entity', 'car-order': 'dfs', 'car-dups': 'n' })
  if (query.range != null) {
    params.set('entity-bytes', `${query.range.from}:${query.range.to}`)
  }
  return `${edge}/ipfs/${query.cid.toString()}${query.path ?? ''}?${params.toString()}`
}
