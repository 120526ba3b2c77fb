import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { CustomProgressEvent } from 'progress-events'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import { CarFetchError } from '../node/edge-car-fetcher.ts'
import { shareWhenWorth } from './read-sharing.ts'
import { PrefetchView } from './prefetch-view.ts'
import { StreamMeter } from './source-rates.ts'
import type { CarPrefetchInit, FileStream } from './prefetch-view.ts'
import type { ShareHost } from './read-sharing.ts'
import type { CarBlock, CarQuery } from '../node/edge-car-fetcher.ts'
import type { FileBlocks, ReadableBlocks } from '../lib/request-state.ts'
import type { BlockReceivedDetail, BlockSizeDetail, EdgewayProgressEventName } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

export type { ReadableBlocks } from '../lib/request-state.ts'
export type { CarPrefetchInit, LocalBlocks, PeerCars } from './prefetch-view.ts'

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
        shareWhenWorth(this.sharing(), stream, file, Math.min(size - 1, stream.wanted ?? Infinity), peers)
      }
    }, () => {})
  }

  /** What sharing a file's rest with other sources needs of this response */
  private sharing (): ShareHost {
    const onProgress = (): ProgressOptions['onProgress'] => this.onProgress
    return {
      init: this.init,
      failedEdges: this.failedEdges,
      // read when sharing starts: the reader's progress callback may have been set since
      get onProgress () { return onProgress() },
      deliver: block => { this.deliver(block) },
      room: async () => { await this.room() },
      track: (stream, running) => {
        this.streams.push(stream)
        const tracked = running.then(complete => {
          stream.failed = !complete
        }, () => {
          stream.failed = true
        }).finally(() => {
          stream.ended = true
          this.running.delete(tracked)
          this.wakeReaders()
        })
        stream.running = tracked
        this.running.add(tracked)
      }
    }
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

function blockKey (cid: CID): string {
  return toString(cid.multihash.bytes, 'base64')
}
