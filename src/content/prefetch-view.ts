import { identity } from 'multiformats/hashes/identity'
import type { CarPrefetch } from './car-prefetch.ts'
import type { SourceRates, StreamMeter } from './source-rates.ts'
import type { ReadableBlocks } from '../lib/request-state.ts'
import type { CarSource } from '../node/car-source.ts'
import type { CarQuery } from '../node/edge-car-fetcher.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/** The local store as this needs it: hash-checked reads, writes behind that can be read back from memory and waited for. */
export interface LocalBlocks extends Pick<Blockstore, 'get' | 'put'> {
  peek(cid: CID): Uint8Array | undefined
  /** Resolves once at most `bytes` are waiting to be written */
  drained(bytes: number): Promise<void>
}

/** Other browsers as a CAR source, for a response whose root the edges' routing may list them for */
export interface PeerCars {
  source: CarSource
  /** Whether the edges list browsers for the root: looked up beside the first CAR, never waited for before it */
  listed: Promise<boolean>
  /** What each source showed, kept for the node's life */
  rates: SourceRates
  /**
   * Pieces a file is cut into between the sources: what one source is
   * given at least, and what a cancelled stream may waste at most
   *
   * @default 1 MiB
   */
  segmentBytes?: number
}

export interface CarPrefetchInit {
  /** The edges' CARs (EdgeCarFetcher): every response starts with them */
  fetcher: CarSource
  /** Where a block not brought by a CAR comes from: the node's blockstore (local store, then the block brokers) */
  fallback: ReadableBlocks
  /** The local store; blocks a CAR delivered are written here (behind) as they are used */
  local: LocalBlocks
  /**
   * Bytes a CAR may deliver ahead of the reader. With nobody waiting for a
   * block, the stream pauses there, so a paused reader holds the download.
   */
  readAheadBytes: number
  /** Most bytes held undelivered; past it, the oldest delivered blocks are dropped */
  maxHeldBytes: number
  /**
   * A file is asked for in CARs of at most this many bytes, one after the
   * other (a multiple of the reader's window, so windows do not straddle two).
   * A CAR the browser is left to buffer cannot grow past it.
   */
  segmentBytes: number
  /** CARs started again from where the reader is, after one ended early */
  maxRestarts?: number
  /** The response's content root: providers of content the edges lack are looked up by it */
  root?: CID
  /** Other browsers, when a tab's peer can reach them: a file read whose root they are listed for is shared with them */
  peers?: PeerCars
  signal?: AbortSignal
}

/** A file's bytes from `from` to `to` (inclusive), streamed as one CAR. */
export interface FileStream {
  /** The file, once known (a path stream learns it when the path is resolved) */
  file?: CID
  query: CarQuery
  from: number
  /** Inclusive; Infinity for "to the end" */
  to: number
  running?: Promise<void>
  ended: boolean
  /** It ended early: the edge failed, lied or sent too much */
  failed: boolean
  /** The stream started again after this one failed */
  replacement?: FileStream
  /** The last byte the request wants of the file (Infinity: to its end), beyond `to` */
  wanted?: number
  /** Measures it, when the response may share the file with other sources */
  meter?: StreamMeter
  /** It stops once it surely delivered the bytes before this offset: sources sharing the rest take over from there */
  stopAt?: number
  /** It handed the rest of its range over: its readers wait for any CAR of the response */
  handedOver?: boolean
}

/** What a reader of one response sees: an ordinary blockstore over the response's CARs, the store and the fallback */
export class PrefetchView implements ReadableBlocks {
  private readonly prefetch: CarPrefetch
  private readonly streamFor: () => FileStream
  /** For a file's window: which file, and where the window starts */
  readonly file?: { file: CID, offset: number }
  current?: FileStream

  constructor (prefetch: CarPrefetch, streamFor: () => FileStream, file?: { file: CID, offset: number }) {
    this.prefetch = prefetch
    this.streamFor = streamFor
    this.file = file
  }

  get stream (): FileStream {
    this.current ??= this.streamFor()
    return this.current
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    return this.prefetch.fallback.has(cid, options)
  }

  async * get (cid: CID, options: AbortOptions & ProgressOptions = {}): AsyncGenerator<Uint8Array> {
    if (cid.multihash.code === identity.code) {
      // an identity CID carries its bytes: no edge is asked for it (the fallback, Helia's store, reads them from the CID)
      yield * this.prefetch.fallback.get(cid, options)
      return
    }
    const bytes = this.prefetch.take(cid, options) ?? await this.prefetch.fetch(cid, this, options)
    if (bytes != null) {
      yield bytes
      return
    }
    yield * this.prefetch.fallback.get(cid, options)
  }
}
