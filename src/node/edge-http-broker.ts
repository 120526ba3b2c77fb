import { CustomProgressEvent } from 'progress-events'
import { concat } from 'uint8arrays/concat'
import { HedgeFailedError, OutpacedError, hedge } from '../lib/hedge.ts'
import { requestStateOf } from '../lib/request-state.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { edgeIdleMs, fetchWithIdleLimit } from './edge-idle-limit.ts'
import type { BitswapProvider } from '../lib/routing-providers.ts'
import type { BlockReceivedDetail, BlockRejectedDetail, EdgeEndpoint, EdgesUnreachableDetail, EdgewayProgressEventName, ProvidersNoneDetail } from '../lib/types.ts'
import type { ProviderDiscovery } from './provider-discovery.ts'
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
   * Measurements that order the edges and set when a request is hedged;
   * every answer, failure and lie is recorded here
   *
   * @default measurements of this broker alone, kept in memory
   */
  health?: EdgeHealth
  /**
   * How long an edge may send nothing (no headers, or no more of the block)
   * before it is given up and the next edge asked
   *
   * @default edgeIdleMs(30000), 5000
   */
  idleMs?: number
  /**
   * Asked for providers of content the edges do not have (every HTTP edge
   * answered 404, or none could be reached, or there are none); its HTTP
   * providers are asked as the edges are, measured in its own `health`
   */
  discovery?: ProviderDiscovery
  /**
   * Connects the bitswap providers a router listed (bitswap asks them once
   * connected); resolves true when one is connected
   */
  connectBitswap?(providers: BitswapProvider[], options: AbortOptions): Promise<boolean>
  /**
   * Whether a source other than the HTTP edges and the providers may still
   * send a block of `root`: other browsers (a tab's peer is there to ask
   * them, and the edges list browsers for it), or edges reached over libp2p
   * only. Without one, a block nobody had ends the request at once.
   *
   * @default async () => false
   */
  othersMayHave?(root: CID, options: AbortOptions): Promise<boolean>
}

export type EdgeHttpProgressEvents =
  | CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>
  | CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>
  | CustomProgressEvent<EdgesUnreachableDetail, EdgewayProgressEventName>
  | CustomProgressEvent<ProvidersNoneDetail, EdgewayProgressEventName>

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

/** An edge sent bytes that are not the block asked for. */
export class BlockRejectedError extends Error {
  static name = 'BlockRejectedError'
  name = 'BlockRejectedError'
}

/**
 * Fetches single blocks from edges' trustless gateways (`?format=raw`). The
 * best edge by health is asked first; when it has not answered within its
 * hedge delay (or failed), the next one is asked too, and the first block
 * that passes `validateFn` (the hash check) wins while the others are
 * aborted. An edge that lied is demoted and asked only after every other
 * edge failed.
 */
export class EdgeHttpBroker implements BlockBroker<EdgeHttpProgressEvents> {
  readonly name = 'edgeway-edge-http'
  private readonly urls: string[]
  private readonly otherSourcesReachable: () => boolean
  private readonly misses?: EdgeMisses
  private readonly health: EdgeHealth
  private readonly idleMs: number
  private readonly discovery?: ProviderDiscovery
  private readonly connectBitswap?: EdgeHttpBrokerInit['connectBitswap']
  private readonly othersMayHave: (root: CID, options: AbortOptions) => Promise<boolean>
  /** Some edge is reached over libp2p too: bitswap may still ask it once connected */
  private readonly bitswapEdges: boolean

  constructor (init: EdgeHttpBrokerInit) {
    this.urls = init.edges.flatMap(edge => edge.http == null ? [] : [edge.http])
    this.bitswapEdges = init.edges.some(edge => edge.multiaddrs.length > 0)
    this.otherSourcesReachable = init.otherSourcesReachable ?? (() => true)
    this.misses = init.misses
    this.health = init.health ?? new EdgeHealth()
    this.idleMs = init.idleMs ?? edgeIdleMs(30_000)
    this.discovery = init.discovery
    this.connectBitswap = init.connectBitswap
    this.othersMayHave = init.othersMayHave ?? (async () => false)
  }

  async retrieve (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents> = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const errors = new Map<string, unknown>()
    const fromEdges = await this.retrieveFrom(this.urls, this.health, cid, options, errors)
    if (fromEdges != null) {
      return fromEdges
    }
    const failures = [...errors.values()]
    const unreachable = failures.filter(err => err instanceof TypeError).length
    const absent = failures.filter(err => err instanceof BlockUnavailableError && err.status === 404).length
    if (absent > 0 && absent === this.urls.length) {
      this.misses?.record(cid)
    }
    const allUnreachable = unreachable > 0 && unreachable === this.urls.length
    // the edges do not have it (or there are none, or none can be reached): the routers may know who has
    if (this.discovery?.available === true && absent + unreachable === this.urls.length) {
      const fromProviders = await this.retrieveDiscovered(cid, options, errors, allUnreachable)
      if (fromProviders != null) {
        return fromProviders
      }
    } else if (allUnreachable && !this.otherSourcesReachable()) {
      this.sayUnreachable(cid, options)
    } else if (absent > 0 && absent === this.urls.length && !this.bitswapEdges && !this.otherSourcesReachable() &&
      !await this.othersMayHave(requestStateOf(options)?.root ?? cid, options)) {
      // HTTP edges only, no routers: nobody else can be asked, so the request ends now, as a 504 that says why
      // (without this, verified-fetch answers a 502 as if a source had lied, or the request waits out its timeout)
      this.sayNobodyHas(cid, options, [])
    }
    const described = [...errors].map(([url, err]) => `${url}: ${describe(err)}`)
    throw new BlockUnavailableError(`No edge sent ${cid} over HTTP (${described.join('; ') || 'no HTTP edges'})`)
  }

  /**
   * The block from providers the routers list for the request's root (or
   * for the block itself when the root is not known): over HTTP here, and
   * over bitswap once their peers are connected. When there is nobody left
   * to ask, the request is told at once rather than left to time out.
   */
  private async retrieveDiscovered (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents>, errors: Map<string, unknown>, edgesUnreachable: boolean): Promise<Uint8Array | undefined> {
    const discovery = this.discovery as ProviderDiscovery
    const root = requestStateOf(options)?.root ?? cid
    const found = await discovery.find(root, options)
    // dialled alongside the HTTP providers; bitswap asks them once they are connected
    const connecting = found.bitswap.length > 0 && this.connectBitswap != null
      ? this.connectBitswap(found.bitswap, options).catch(() => false)
      : Promise.resolve(false)
    const block = await this.retrieveFrom(found.http, discovery.health, cid, options, errors)
    if (block != null) {
      return block
    }
    if (!await connecting && !await this.othersMayHave(root, options)) {
      if (edgesUnreachable && found.http.length === 0) {
        this.sayUnreachable(cid, options)
      } else {
        this.sayNobodyHas(cid, options, found.http)
      }
    }
    return undefined
  }

  /**
   * The block from one of `urls`: hedged in order of health, the ones that
   * lied before last and one at a time. Undefined when none sent it; each
   * one's failure is left in `errors`.
   */
  private async retrieveFrom (urls: string[], health: EdgeHealth, cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents>, errors: Map<string, unknown>): Promise<Uint8Array | undefined> {
    const ranked = health.rank(urls, url => url)
    const trusted = ranked.filter(url => !health.isDemoted(url))
    const demoted = ranked.filter(url => health.isDemoted(url))
    const ask = async (url: string, signal: AbortSignal, answered?: () => void): Promise<Uint8Array> => {
      try {
        return await this.fetchVerified(url, health, cid, { ...options, signal }, answered)
      } catch (err) {
        errors.set(url, err)
        throw err
      }
    }
    if (trusted.length > 0) {
      try {
        return (await hedge(trusted, ask, { signal: options.signal, delayMs: url => health.hedgeDelayMs(url) })).value
      } catch (err) {
        options.signal?.throwIfAborted()
        if (!(err instanceof HedgeFailedError)) throw err
      }
    }
    // edges that lied before are asked last, one at a time: they may be honest for this block
    for (const url of demoted) {
      try {
        return await ask(url, options.signal ?? new AbortController().signal)
      } catch {
        options.signal?.throwIfAborted()
      }
    }
    return undefined
  }

  /** Tells the request that no edge has the block and nobody else can be asked: it ends now, as a 504 saying so */
  private sayNobodyHas (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents>, providers: string[]): void {
    options.onProgress?.(new CustomProgressEvent<ProvidersNoneDetail, EdgewayProgressEventName>('edgeway:providers:none', {
      cid: cid.toString(), edges: this.urls, providers
    }))
  }

  private sayUnreachable (cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents>): void {
    options.onProgress?.(new CustomProgressEvent<EdgesUnreachableDetail, EdgewayProgressEventName>('edgeway:edges:unreachable', {
      cid: cid.toString(), edges: this.urls
    }))
  }

  /** One edge's answer, hash-checked, with what it says about the edge recorded. */
  private async fetchVerified (url: string, health: EdgeHealth, cid: CID, options: BlockRetrievalOptions<EdgeHttpProgressEvents> & { signal: AbortSignal }, onAnswer?: () => void): Promise<Uint8Array> {
    const started = performance.now()
    let answered = false
    let block: Uint8Array
    try {
      block = await fetchRawBlock(url, cid, {
        signal: options.signal,
        idleMs: this.idleMs,
        onAnswer: () => {
          answered = true
          health.answered(url, performance.now() - started)
          onAnswer?.()
        }
      })
    } catch (err) {
      if (options.signal.reason instanceof OutpacedError) {
        if (!answered) health.outpaced(url, performance.now() - started)
      } else if (!options.signal.aborted && !(err instanceof BlockUnavailableError && err.status != null && err.status < 500)) {
        // refused, a server error, a body past the limit: the edge failed; "not here" is an answer
        health.failed(url)
      }
      throw err
    }
    health.transferred(url, block.byteLength, performance.now() - started)
    try {
      await options.validateFn?.(block)
    } catch (err) {
      options.signal.throwIfAborted()
      // the edge sent bytes that are not this block: never use them, and ask it last from now on
      health.lied(url)
      options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
        cid: cid.toString(), from: url, reason: describe(err)
      }))
      throw new BlockRejectedError(describe(err))
    }
    options.onProgress?.(new CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>('edgeway:block:received', {
      cid: cid.toString(), source: 'edge', via: 'http', from: url, bytes: block.byteLength
    }))
    return block
  }
}

async function fetchRawBlock (edgeUrl: string, cid: CID, options: AbortOptions & { idleMs: number, onAnswer(): void }): Promise<Uint8Array> {
  const { response, chunks } = await fetchWithIdleLimit(`${edgeUrl}/ipfs/${cid.toString()}?format=raw`, {
    headers: { Accept: 'application/vnd.ipld.raw' },
    cache: 'no-store'
  }, options)
  options.onAnswer()
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

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
