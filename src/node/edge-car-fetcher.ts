import { CustomProgressEvent } from 'progress-events'
import { HedgeFailedError, OutpacedError, hedge } from '../lib/hedge.ts'
import { readCar, readRawBlock } from './car-stream.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { edgeIdleMs, fetchWithIdleLimit } from './edge-idle-limit.ts'
import { canVerify, hashMatches } from '../lib/hash-matches.ts'
import type { BlockRejectedDetail, EdgeEndpoint, EdgewayProgressEventName } from '../lib/types.ts'
import type { CarSource } from './car-source.ts'
import type { ProviderDiscovery } from './provider-discovery.ts'
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
  /**
   * The block `cid` alone, asked for as a raw block (`?format=raw`) and
   * delivered as a CAR of one block would be: for a block known to link to
   * nothing, which a gateway sends with less work than a CAR
   *
   * @default false
   */
  block?: boolean
}

export interface CarBlock {
  cid: CID
  bytes: Uint8Array
  /** The edge's URL, or the peer id of the browser that sent it */
  from: string
  /**
   * Who sent it: an edge (or a provider a router listed), or another browser
   *
   * @default 'edge'
   */
  source?: 'edge' | 'peer'
}

export class CarFetchError extends Error {
  static name = 'CarFetchError'
  name = 'CarFetchError'
  /** The edges that failed this request (refused, errored, stalled, broke off or lied), so a retry can ask others */
  readonly edges: string[]
  /** The HTTP status the edge answered with, when it refused */
  readonly status?: number

  constructor (message: string, edges: string[] = [], status?: number) {
    super(message)
    this.edges = edges
    this.status = status
  }
}

export interface CarFetchOptions extends AbortOptions, ProgressOptions {
  /** Edges not to ask this time (they failed an earlier part of the same response) */
  skip?: ReadonlySet<string>
  /** The response's content root: providers of content the edges lack are looked up by it */
  root?: CID
}

/** A CAR response that has sent its first verified block. */
interface OpenCar {
  url: string
  /** Where the source's measurements go: the edges', or the discovered providers' */
  health: EdgeHealth
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
  /**
   * Asked for providers when every edge answered 404 for a CAR (or none
   * could be reached, or there are none); their CARs are fetched as the
   * edges' are, measured in the discovery's own `health`
   */
  discovery?: ProviderDiscovery
}

/** How long a provider that refused a CAR (it serves blocks only) is not asked for one again. */
const CAR_REFUSAL_MS = 10 * 60_000
/** Providers remembered as refusing CARs; the oldest is forgotten first. */
const MAX_CAR_REFUSALS = 64

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
export class EdgeCarFetcher implements CarSource {
  readonly kind = 'edge'
  private readonly urls: string[]
  private readonly health: EdgeHealth
  private readonly idleMs: number
  private readonly discovery?: ProviderDiscovery
  /** Discovered providers that answered a CAR request with a refusal, until when */
  private readonly refusedCars = new Map<string, number>()

  constructor (edges: EdgeEndpoint[], init: EdgeCarFetcherInit = {}) {
    this.urls = edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.health = init.health ?? new EdgeHealth()
    this.idleMs = init.idleMs ?? edgeIdleMs(30_000)
    this.discovery = init.discovery
  }

  get available (): boolean {
    return this.urls.length > 0 || this.discovery?.available === true
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
    const failed: string[] = []
    let car: OpenCar
    try {
      car = await this.openFirst(this.urls, this.health, query, { ...options, signal }, failed)
    } catch (err) {
      const edgesLack = err instanceof HedgeFailedError && err.errors.every(lacks)
      try {
        if (!edgesLack || this.discovery?.available !== true) throw err
        // no edge has it: the providers a router lists for the root may
        const found = await this.discovery.find(options.root ?? query.cid, { signal })
        const providers = found.http.filter(url => (this.refusedCars.get(url) ?? 0) < Date.now())
        car = await this.openFirst(providers, this.discovery.health, query, { ...options, signal }, failed)
      } catch {
        done.abort()
        options.signal?.throwIfAborted()
        throw new CarFetchError(`No edge answered ${carUrl('', query)}`, failed)
      }
    }
    const { url, health } = car
    try {
      if (car.first != null) {
        yield car.first
      }
      for (let next = await car.rest.next(); next.done !== true; next = await car.rest.next()) {
        yield await this.verified(url, health, next.value, options)
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      if (!(err instanceof CarFetchError) && !done.signal.aborted) health.failed(url)
      // a truncated or malformed CAR: what was verified stays usable, the rest comes another way
      throw err instanceof CarFetchError
        ? new CarFetchError(err.message, [...failed, url])
        : new CarFetchError(`${url}: the CAR ended badly: ${err instanceof Error ? err.message : String(err)}`, [...failed, url])
    } finally {
      car.finish()
      done.abort()
    }
  }

  /**
   * The first of `urls` to send a verified block of the CAR, asked in order
   * of health and hedged; the ones that lied and the ones to skip are left
   * out. Rejects with HedgeFailedError (each source's error) when none does.
   */
  private async openFirst (urls: string[], health: EdgeHealth, query: CarQuery, options: CarFetchOptions & { signal: AbortSignal }, failed: string[]): Promise<OpenCar> {
    const trusted = health.rank(urls, url => url).filter(url => !health.isDemoted(url) && options.skip?.has(url) !== true)
    return (await hedge(trusted, async (url, attempt, answered) => {
      try {
        return await this.open(url, health, query, { ...options, signal: attempt }, answered)
      } catch (err) {
        if (!attempt.aborted) failed.push(url)
        throw err
      }
    }, {
      signal: options.signal, delayMs: url => health.hedgeDelayMs(url)
    })).value
  }

  /** One edge's CAR up to its first verified block, with what it says about the edge recorded. */
  private async open (url: string, health: EdgeHealth, query: CarQuery, options: CarFetchOptions & { signal: AbortSignal }, onAnswer: () => void): Promise<OpenCar> {
    const started = performance.now()
    let answered = false
    try {
      const { response, chunks } = await fetchWithIdleLimit(carUrl(url, query), {
        headers: { Accept: query.block === true ? 'application/vnd.ipld.raw' : 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
        cache: 'no-store'
      }, { idleMs: this.idleMs, signal: options.signal })
      answered = true
      health.answered(url, performance.now() - started)
      onAnswer()
      if (!response.ok || response.body == null) {
        await response.body?.cancel()
        if (query.block !== true && refusesCars(response.status)) {
          // a gateway that serves blocks only: it is asked for those (?format=raw), and not for CARs for a while
          this.refusedCar(url)
        } else if (response.status >= 500) {
          health.failed(url)
        }
        throw new CarFetchError(`${url}: HTTP ${response.status}`, [], response.status)
      }
      const meter = new TransferMeter(chunks)
      const rest = (query.block === true ? readRawBlock(query.cid, meter.chunks()) : readCar(meter.chunks()))[Symbol.asyncIterator]()
      const next = await rest.next()
      const first = next.done === true ? undefined : await this.verified(url, health, next.value, options)
      return { url, health, first, rest, finish: () => { health.transferred(url, meter.bytes, meter.waitedMs) } }
    } catch (err) {
      if (options.signal.reason instanceof OutpacedError) {
        if (!answered) health.outpaced(url, performance.now() - started)
      } else if (!options.signal.aborted && !(err instanceof CarFetchError)) {
        health.failed(url)
      }
      throw err
    }
  }

  private async verified (url: string, health: EdgeHealth, block: { cid: CID, bytes: Uint8Array }, options: CarFetchOptions): Promise<CarBlock> {
    if (!canVerify(block.cid.multihash.code)) {
      // a hash this browser cannot compute says nothing of the edge: it is not used, and the edge is not blamed
      throw new CarFetchError(`${url} sent ${block.cid.toString()}, hashed with a function this browser cannot check`)
    }
    if (!await hashMatches(block.cid, block.bytes)) {
      options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
        cid: block.cid.toString(), from: url, reason: 'CAR block does not match its CID'
      }))
      health.lied(url)
      throw new CarFetchError(`${url} sent a block that does not match its CID ${block.cid.toString()}`)
    }
    return { cid: block.cid, bytes: block.bytes, from: url }
  }

  private refusedCar (url: string): void {
    this.refusedCars.delete(url)
    this.refusedCars.set(url, Date.now() + CAR_REFUSAL_MS)
    if (this.refusedCars.size > MAX_CAR_REFUSALS) {
      this.refusedCars.delete(this.refusedCars.keys().next().value as string)
    }
  }
}

/** A source that answers this does not have the content (404) or cannot be reached (a network error). */
function lacks (err: unknown): boolean {
  return err instanceof TypeError || (err instanceof CarFetchError && err.status === 404)
}

/** Statuses of a gateway that does not serve CARs (the trustless gateway spec lets it serve blocks only). */
function refusesCars (status: number): boolean {
  return status === 400 || status === 406 || status === 415 || status === 501
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
  if (query.block === true) {
    return `${edge}/ipfs/${query.cid.toString()}?format=raw`
  }
  const params = new URLSearchParams({ format: 'car', 'dag-scope': query.scope ?? 'entity', 'car-order': 'dfs', 'car-dups': 'n' })
  if (query.range != null) {
    params.set('entity-bytes', `${query.range.from}:${query.range.to}`)
  }
  return `${edge}/ipfs/${query.cid.toString()}${query.path ?? ''}?${params.toString()}`
}
