import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { CustomProgressEvent } from 'progress-events'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import { CarFetchError } from '../node/edge-car-fetcher.ts'
import { PROBE_WORTH_MS, SegmentScheduler } from './segment-scheduler.ts'
import { StreamMeter } from './source-rates.ts'
import type { SourceRates } from './source-rates.ts'
import type { CarSource } from '../node/car-source.ts'
import type { CarBlock, CarQuery } from '../node/edge-car-fetcher.ts'
import type { FileBlocks, ReadableBlocks } from '../lib/request-state.ts'
import type { BlockReceivedDetail, BlockSizeDetail, EdgewayProgressEventName } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

export type { ReadableBlocks } from '../lib/request-state.ts'

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

/** How often a response whose root other browsers are listed for looks at whether sharing it would pay back */
const SHARE_LOOK_MS = 50

/** A file's bytes from `from` to `to` (inclusive), streamed as one CAR. */
interface FileStream {
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

/**
 * One response's batched fetching. Instead of one request per block, what a
 * reader is about to need comes as a CAR stream: the path and the file's
 * bytes from the first one read (or the range asked for), verified block by
 * block as they stream in and held here until the reader takes them. The
 * stream runs at most `readAheadBytes` ahead of the reader when the reader
 * pauses; if it ends early (an edge dying, breaking off, stalling past its
 * idle limit or lying mid-stream), the blocks it verified stay and a new one
 * starts where the reader is, from an edge that has not failed this response.
 *
 * Readers see an ordinary blockstore (`view()`): a block is served from what
 * a CAR delivered, else from what the local store holds in memory, else from
 * a stream that covers it, else from the local store, else a stream is
 * started; whatever no CAR brings comes through the fallback (the per-block
 * brokers). A block goes to the local store only once it is used, so an edge
 * cannot fill the store with blocks nobody asked for.
 */
export class CarPrefetch implements FileBlocks {
  private readonly init: CarPrefetchInit
  private readonly delivered = new Map<string, CarBlock>()
  private deliveredBytes = 0
  /** Every block a CAR delivered and a reader took: a CAR sends each once, so a second read is the store's */
  private readonly taken = new Set<string>()
  private readonly waiters = new Map<string, Set<() => void>>()
  private readonly streams: FileStream[] = []
  private readonly running = new Set<Promise<void>>()
  /** Streams paused for room */
  private readonly paused = new Set<() => void>()
  private restarts = 0
  /** Edges whose CAR failed for this response (broke off, stalled, refused): a restart asks the others */
  private readonly failedEdges = new Set<string>()
  /** Set once the local store missed: from then on streams start without asking the store first */
  private cold = false
  /** The first reader's progress events: the streams the response starts later report there too */
  private onProgress?: ProgressOptions['onProgress']

  constructor (init: CarPrefetchInit) {
    this.init = init
    // a response given up must not leave a stream paused forever
    init.signal?.addEventListener('abort', () => {
      this.wakeProducer()
      this.wakeReaders()
    }, { once: true })
  }

  /**
   * The blocks under `query` (a path, optionally a byte range of the file it
   * ends at). Its CAR starts on the first block the local store lacks.
   */
  pathView (query: CarQuery): ReadableBlocks {
    const from = query.range?.from ?? 0
    const wanted = query.range == null || query.range.to === '*' ? Infinity : query.range.to
    const to = Math.min(wanted, from + this.init.segmentBytes - 1)
    const stream: FileStream = { query: { ...query, range: query.range == null ? undefined : { from, to } }, from, to, wanted, ended: false, failed: false }
    this.streams.push(stream)
    return new PrefetchView(this, () => stream)
  }

  /**
   * Records that the path stream's terminal is the file `file` (of `size`
   * bytes): its bytes in that stream need no stream of their own. When other
   * browsers are listed for the root, the rest of the range is shared
   * between the edges and them (segment-scheduler.ts).
   */
  resolved (view: ReadableBlocks, file: CID, size?: number): void {
    if (!(view instanceof PrefetchView)) {
      return
    }
    const stream = view.stream
    stream.file = file
    const peers = this.init.peers
    if (peers == null || size == null || !this.cold || stream.query.block === true) {
      return
    }
    peers.listed.then(listed => {
      if (listed) {
        this.shareWhenWorth(stream, file, Math.min(size - 1, stream.wanted ?? Infinity), peers)
      }
    }, () => {})
  }

  /**
   * Shares the rest of the path stream's range once the edge, as measured on
   * it, would need longer than a try of another source takes to pay back;
   * until then the one stream goes on as it would with no browser listed
   * (sharing costs a fast edge's read more than it can gain: more requests,
   * and a browser's connection). Looked at again while the stream runs, so
   * an edge that slows down is shared from then on.
   */
  private shareWhenWorth (path: FileStream, file: CID, last: number, peers: PeerCars): void {
    const look = (): void => {
      if (this.init.signal?.aborted === true || (path.ended && !path.failed && path.to >= last)) {
        return
      }
      const rate = path.meter?.rateNow()
      if (!path.ended && rate == null) {
        setTimeout(look, SHARE_LOOK_MS)
        return
      }
      if (!path.ended && rate != null && (last - (path.meter?.reached ?? path.from)) / rate * 1000 < PROBE_WORTH_MS) {
        setTimeout(look, 5 * SHARE_LOOK_MS)
        return
      }
      this.share(path, file, last, peers)
    }
    look()
  }

  /**
   * The rest of the range `path` was asked for, from the next piece boundary
   * past what it surely delivered, read from the edges and other browsers at
   * once (SegmentScheduler); the path stream stops at that boundary.
   */
  private share (path: FileStream, file: CID, last: number, peers: PeerCars): void {
    const segment = peers.segmentBytes ?? 1024 * 1024
    const reached = path.meter?.reached ?? path.from
    const cut = path.ended
      ? (path.failed ? reached : path.to + 1)
      // within a leaf or so of where it is: a loaded edge sends little past the point where others can take over
      : Math.ceil((reached + 1) / (segment / 4)) * (segment / 4)
    if (cut > last) {
      return
    }
    if (!path.ended) {
      path.stopAt = cut
      path.to = Math.min(path.to, cut - 1)
      path.handedOver = true
    }
    const stream: FileStream = { file, query: { cid: file }, from: cut, to: last, ended: false, failed: false }
    this.streams.push(stream)
    if (!path.ended && path.meter != null) {
      // what the edge showed so far: the others' first choices already know it
      peers.rates.record(this.init.fetcher, path.meter.measured())
    }
    const scheduler = new SegmentScheduler({
      sources: [this.init.fetcher, peers.source],
      query: { cid: file },
      from: cut,
      to: last,
      segmentBytes: segment,
      lookaheadBytes: 2 * this.init.readAheadBytes,
      rates: peers.rates,
      deliver: (block, source) => { this.deliver({ ...block, source: block.source ?? source.kind }) },
      room: async () => { await this.room() },
      skip: this.failedEdges,
      root: this.init.root,
      // the edge's path stream runs on to the cut: the edge takes a piece once it ended
      busy: path.running == null || path.ended ? undefined : new Map([[this.init.fetcher, path.running]])
    })
    const running = scheduler.run({ signal: this.init.signal, onProgress: this.onProgress }).then(complete => {
      stream.failed = !complete
    }, () => {
      stream.failed = true
    }).finally(() => {
      stream.ended = true
      this.running.delete(running)
      this.wakeReaders()
    })
    stream.running = running
    this.running.add(running)
  }

  /** The blocks of the file `file` from `offset` to `end` (exclusive), as read by one window. */
  fileView (file: CID, offset: number, end: number): ReadableBlocks {
    return new PrefetchView(this, () => this.coveringStream(file, offset, end), { file, offset })
  }

  /**
   * The stream whose range holds `offset`: one running or yet to start
   * first, else one that has ended (what it brought is in the store); a new
   * one, for the next segment of the range read, when there is none.
   */
  private coveringStream (file: CID, offset: number, end: number): FileStream {
    const covers = (stream: FileStream): boolean => stream.file?.equals(file) === true && stream.from <= offset && offset <= stream.to
    const covering = this.streams.find(stream => covers(stream) && !stream.ended) ?? this.streams.find(stream => covers(stream) && !stream.failed)
    if (covering != null) {
      return covering
    }
    return this.newStream(file, offset, end - 1)
  }

  private newStream (file: CID, from: number, last: number): FileStream {
    const to = Math.min(last, from + this.init.segmentBytes - 1)
    const stream: FileStream = { file, query: { cid: file, range: { from, to: Number.isFinite(to) ? to : '*' } }, from, to, ended: false, failed: false }
    this.streams.push(stream)
    return stream
  }

  /** A block delivered, or held in memory by the local store (written behind, or a DAG node read before). */
  take (cid: CID, options: ProgressOptions): Uint8Array | undefined {
    const key = blockKey(cid)
    const block = this.delivered.get(key)
    if (block == null) {
      const held = this.init.local.peek(cid)
      if (held != null) {
        options.onProgress?.(new CustomProgressEvent<CID>('blocks:get:blockstore:get', cid))
        options.onProgress?.(new CustomProgressEvent<BlockSizeDetail, EdgewayProgressEventName>('edgeway:block:size', { cid: cid.toString(), bytes: held.byteLength }))
      }
      return held
    }
    this.delivered.delete(key)
    this.deliveredBytes -= block.bytes.byteLength
    this.taken.add(key)
    this.wakeProducer()
    void this.init.local.put(cid, block.bytes)
    const source = block.source ?? 'edge'
    options.onProgress?.(new CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>('edgeway:block:delivered', {
      cid: cid.toString(), source, via: source === 'peer' ? 'bridge' : 'http', from: block.from, bytes: block.bytes.byteLength
    }))
    return block.bytes
  }

  /** The block through a stream: the covering one if it runs, else the local store, else a new stream. */
  async fetch (cid: CID, view: PrefetchView, options: AbortOptions & ProgressOptions): Promise<Uint8Array | undefined> {
    if (this.taken.has(blockKey(cid))) {
      // read before (the exporter reads the block past a window's end, then the next window reads it again)
      return this.fromStore(cid, options)
    }
    while (true) {
      const stream = view.stream
      if (stream.ended && stream.handedOver !== true) {
        // a stream that finished brought all it had; one that failed is started again, from the reader on
        const replacement = this.replace(stream, view)
        if (replacement == null) {
          return undefined
        }
        view.current = replacement
        continue
      }
      if (stream.running == null) {
        const stored = this.cold ? undefined : await this.fromStore(cid, options)
        if (stored != null) {
          return stored
        }
        this.cold = true
        if (view.file == null && cid.code === RAW_CODE) {
          // a raw block on a path links to nothing: it is where the path ends and all of the DAG there, so the
          // path's CAR would bring this one block; asked for as a raw block, the edge has less work to do
          stream.query = { cid, block: true }
        }
        this.start(stream, options)
      }
      await this.waitFor(cid, options)
      const bytes = this.take(cid, options)
      if (bytes != null || !stream.ended || !stream.failed) {
        return bytes
      }
    }
  }

  /** The stream that takes over from a failed one (one for all its readers), while restarts remain. */
  private replace (stream: FileStream, view: PrefetchView): FileStream | undefined {
    if (stream.replacement != null) {
      return stream.replacement
    }
    if (!stream.failed || view.file == null || this.restarts >= (this.init.maxRestarts ?? 2)) {
      return undefined
    }
    this.restarts++
    stream.replacement = this.newStream(view.file.file, Math.max(stream.from, view.file.offset), stream.to)
    return stream.replacement
  }

  /** The block from the local store (hash-checked there), or undefined when it is not there. */
  private async fromStore (cid: CID, options: AbortOptions & ProgressOptions): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = []
    try {
      for await (const chunk of this.init.local.get(cid, options)) {
        chunks.push(chunk)
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      // absent, or found corrupt and removed: either way it is fetched
      return undefined
    }
    // the event Helia emits for a block read from its store, so it counts as `cache`
    options.onProgress?.(new CustomProgressEvent<CID>('blocks:get:blockstore:get', cid))
    return chunks.length === 1 ? chunks[0] : concat(chunks)
  }

  /** Bytes delivered and not yet read */
  get held (): number {
    return this.deliveredBytes
  }

  get fallback (): ReadableBlocks {
    return this.init.fallback
  }

  private start (stream: FileStream, options: ProgressOptions): void {
    if (stream.running != null) {
      return
    }
    this.onProgress ??= options.onProgress
    // measured only where the response may share the file: the edge's pace then decides who gets what
    const meter = this.init.peers == null || stream.query.range == null ? undefined : new StreamMeter(stream.from)
    stream.meter = meter
    const running = (async () => {
      const blocks = this.init.fetcher.fetch(stream.query, { signal: this.init.signal, onProgress: options.onProgress, skip: this.failedEdges, root: this.init.root })
      for await (const block of blocks) {
        meter?.block(block.cid, block.bytes)
        this.deliver(block)
        if (stream.stopAt != null && meter != null && meter.reached >= stream.stopAt) {
          break
        }
        meter?.pause()
        await this.room()
        meter?.resume()
      }
    })().catch((err: unknown) => {
      // what it delivered before failing is verified and stays; the rest is asked of the next edge
      stream.failed = true
      if (err instanceof CarFetchError) {
        err.edges.forEach(edge => this.failedEdges.add(edge))
      }
    }).finally(() => {
      if (meter != null) {
        this.init.peers?.rates.record(this.init.fetcher, meter.measured())
      }
      stream.ended = true
      this.running.delete(running)
      this.wakeReaders()
    })
    stream.running = running
    this.running.add(running)
  }

  /**
   * Resolves when the local store has caught up with what was delivered
   * (memory stays bounded when the store is slower than the edge), and then
   * at once while someone waits for a block or the read-ahead has room.
   */
  private async room (): Promise<void> {
    await this.init.local.drained(2 * this.init.readAheadBytes)
    while (this.deliveredBytes >= this.init.readAheadBytes && this.waiters.size === 0) {
      await new Promise<void>(resolve => { this.paused.add(resolve) })
      this.init.signal?.throwIfAborted()
    }
  }

  /**
   * Resolves when `cid` has been delivered or every CAR in flight has ended.
   * Any CAR, not only the reader's own: the exporter also reads the first
   * block past a window's end, which the next window's CAR brings.
   */
  private async waitFor (cid: CID, options: AbortOptions): Promise<void> {
    const key = blockKey(cid)
    // Woken only through `waiters`, never by racing the long-lived stream
    // promises: a reaction left on those would keep every block read alive.
    while (!this.delivered.has(key) && this.running.size > 0 && options.signal?.aborted !== true && this.init.signal?.aborted !== true) {
      let wake = (): void => {}
      const woken = new Promise<void>(resolve => { wake = resolve })
      const set = this.waiters.get(key) ?? new Set()
      set.add(wake)
      this.waiters.set(key, set)
      this.wakeProducer()
      try {
        await woken
      } finally {
        set.delete(wake)
        if (set.size === 0) {
          this.waiters.delete(key)
        }
      }
    }
    options.signal?.throwIfAborted()
  }

  /** Every reader waiting for a block looks again (a stream ended, or the response was given up). */
  private wakeReaders (): void {
    for (const set of this.waiters.values()) {
      for (const wake of set) {
        wake()
      }
    }
  }

  private wakeProducer (): void {
    for (const resume of this.paused) {
      resume()
    }
    this.paused.clear()
  }

  private deliver (block: CarBlock): void {
    const key = blockKey(block.cid)
    // sources sharing a file overlap by a leaf at the pieces' edges: a block read already is the store's
    if (this.delivered.has(key) || this.taken.has(key)) {
      return
    }
    this.delivered.set(key, block)
    this.deliveredBytes += block.bytes.byteLength
    // blocks nobody takes (an edge sending extras) must not pile up while readers wait
    while (this.deliveredBytes > this.init.maxHeldBytes) {
      const [oldest, dropped] = this.delivered.entries().next().value as [string, CarBlock]
      this.delivered.delete(oldest)
      this.deliveredBytes -= dropped.bytes.byteLength
    }
    for (const wake of this.waiters.get(key) ?? []) {
      wake()
    }
  }
}

class PrefetchView implements ReadableBlocks {
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

function blockKey (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
