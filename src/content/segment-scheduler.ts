import { StreamMeter } from './source-rates.ts'
import type { SourceRates } from './source-rates.ts'
import type { CarSource } from '../node/car-source.ts'
import type { CarBlock, CarFetchOptions, CarQuery } from '../node/edge-car-fetcher.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/** How long a claim of a measured source should keep it busy: long enough that a new request's latency is small beside it */
const SPAN_MS = 500
/** A steal must promise to finish in under this share of the holder's expected time: a cancelled stream wastes what was in flight */
const STEAL_MARGIN = 0.75
/** Less than this left of a piece is not worth a new request */
const MIN_STEAL_BYTES = 64 * 1024
/** How often an idle source looks again at a holder's progress (a silent one grows slower as it stays silent) */
const TICK_MS = 50
/** Latency assumed for a source that never sent a block */
const DEFAULT_FIRST_BLOCK_MS = 100
/** A source whose stream was taken over while it had sent nothing this many times gets no more of the response */
const MAX_SILENT_STRIKES = 2
/**
 * Failures short of a lie (a browser that refused, broke off, or sent less
 * than asked) a source may have before it gets no more of the response:
 * other browsers are one source, and one of them failing says little of the
 * rest; a lie ends a source's part at once
 */
const MAX_FAILURES = 3
/**
 * An unmeasured source is tried only when the measured ones need longer
 * than this for the rest of the range: a try costs a WebRTC connection and
 * both browsers' CPU (a fast edge's read measured 1.7-2.3x slower with a try
 * that brought nothing), and it pays back only on a read the known sources
 * make long
 */
export const PROBE_WORTH_MS = 3_000

export interface SegmentSchedulerInit {
  /** Where the bytes may come from; order matters only between equals */
  sources: readonly CarSource[]
  /** The file as each source is asked for it; each piece adds its own byte range */
  query: Omit<CarQuery, 'range'>
  /** First byte to fetch */
  from: number
  /** Last byte to fetch (inclusive) */
  to: number
  /** The unit pieces are cut in: the least a source is given, and where a claim ends */
  segmentBytes: number
  /** How far past the first byte not yet delivered a source may claim */
  lookaheadBytes: number
  /** Measurements that outlive this response */
  rates: SourceRates
  /** A verified block from `source`; the same block may come twice (pieces overlap by a leaf) */
  deliver(block: CarBlock, source: CarSource): void
  /** Resolves when the consumer has room for more */
  room(): Promise<void>
  /** Edges failed earlier in the response; the edge source's failures add to it */
  skip?: Set<string>
  /** The response's content root: whom to ask is looked up by it */
  root?: CID
  /** Sources still streaming an earlier part of the response: each starts here once that stream ended (and was measured) */
  busy?: ReadonlyMap<CarSource, Promise<unknown>>
}

/** A byte range of the file, and who brings it */
interface Piece {
  from: number
  /** Inclusive */
  to: number
  done: boolean
  holder?: Claim
}

/** One source's stream of one piece */
interface Claim {
  runner: Runner
  piece: Piece
  meter: StreamMeter
  controller: AbortController
  /** Another source took the rest: ending is not a failure */
  stolen: boolean
}

interface Runner {
  source: CarSource
  claim?: Claim
  failed: boolean
  failures: number
  silentStrikes: number
  /** Still streaming an earlier part of the response (`busy`) */
  starting: boolean
}

/**
 * One file read from several CAR sources at once (edges and other browsers).
 * The range is cut into pieces as sources claim them: a free source takes
 * the lowest unclaimed piece within the look-ahead when no other source would
 * bring it sooner (expected finish: latency + bytes / measured throughput),
 * and, with nothing to claim, takes over the rest of the piece the reader
 * waits on (the lowest one unfinished, from its first byte not delivered)
 * when it would finish sooner than the holder, whose stream is cancelled.
 * An unmeasured source counts as slow: it claims the farthest piece in the
 * look-ahead, where it delays no one, and steals nothing. A source that lies,
 * fails or sends less than asked gets no more of this response. Nothing
 * waits on a source before another starts.
 */
export class SegmentScheduler {
  private readonly init: SegmentSchedulerInit
  private readonly pieces: Piece[]
  private readonly runners: Runner[]
  private readonly wakers = new Set<() => void>()

  constructor (init: SegmentSchedulerInit) {
    this.init = init
    this.pieces = init.from <= init.to ? [{ from: init.from, to: init.to, done: false }] : []
    this.runners = init.sources.filter(source => source.available).map(source => ({ source, failed: false, failures: 0, silentStrikes: 0, starting: init.busy?.has(source) === true }))
  }

  /** Resolves true once every byte was delivered, false when the sources left gaps (they fail, or none is left) */
  async run (options: AbortOptions & ProgressOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    const onAbort = (): void => { this.wake() }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await Promise.all(this.runners.map(async runner => { await this.drive(runner, options) }))
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      for (const runner of this.runners) {
        runner.claim?.controller.abort()
      }
    }
    return this.pieces.every(piece => piece.done)
  }

  /** One source's loop: claim, or steal, or wait for a change, until the range is delivered or the source is out */
  private async drive (runner: Runner, options: AbortOptions & ProgressOptions): Promise<void> {
    await this.init.busy?.get(runner.source)?.catch(() => {})
    runner.starting = false
    this.wake()
    while (options.signal?.aborted !== true && !runner.failed) {
      const lowest = this.pieces.find(piece => !piece.done)
      if (lowest == null) {
        return
      }
      // the piece the reader waits on comes before any further ahead
      const claim = this.steal(runner, lowest) ?? this.claim(runner, lowest)
      if (claim != null) {
        await this.stream(claim, options)
        continue
      }
      const othersWork = this.pieces.some(piece => !piece.done && (piece.holder != null || this.runners.some(other => other !== runner && !other.failed)))
      if (!othersWork) {
        return
      }
      await this.changed()
    }
  }

  /** The lowest unclaimed piece, when this source would bring it first; the farthest one to measure a new source */
  private claim (runner: Runner, lowest: Piece): Claim | undefined {
    const windowEnd = lowest.from + this.init.lookaheadBytes
    const open = this.pieces.filter(piece => !piece.done && piece.holder == null && piece.from < windowEnd)
    if (open.length === 0) {
      return undefined
    }
    const rate = this.rateOf(runner)
    const segment = this.init.segmentBytes
    if (rate == null) {
      const others = this.runners.filter(other => other !== runner && !other.failed)
      const measured = others.reduce((sum, other) => sum + (this.rateOf(other) ?? 0), 0)
      if (measured === 0) {
        // someone must start: unless another source is about to be measured, this one takes the lowest piece
        return others.some(other => other.starting || other.claim != null) ? undefined : this.take(runner, open[0], open[0].from, segment)
      }
      if (this.left() / measured * 1000 < PROBE_WORTH_MS) {
        return undefined
      }
      // a probe where the reader comes last: a silent or slow source costs nothing there
      const far = open[open.length - 1]
      const start = Math.max(far.from, Math.min(far.to, windowEnd - 1) - ((Math.min(far.to, windowEnd - 1) - far.from) % segment))
      return this.take(runner, far, start, segment)
    }
    const target = open[0]
    const mine = this.firstBlockMs(runner) / 1000 + segment / rate
    for (const other of this.runners) {
      const otherRate = other === runner || other.failed ? undefined : this.rateOf(other)
      if (otherRate == null) {
        continue
      }
      const busy = other.claim == null ? 0 : this.remaining(other.claim) / otherRate
      if (busy + this.firstBlockMs(other) / 1000 + segment / otherRate < mine) {
        return undefined
      }
    }
    const span = Math.max(segment, Math.min(this.init.lookaheadBytes, Math.floor(rate * SPAN_MS / 1000 / segment) * segment))
    return this.take(runner, target, target.from, span)
  }

  /** The rest of the piece the reader waits on, when this source would finish it well before its holder */
  private steal (runner: Runner, lowest: Piece): Claim | undefined {
    const rate = this.rateOf(runner)
    const holder = lowest.holder
    if (rate == null || holder == null || holder.runner === runner) {
      return undefined
    }
    const start = Math.max(lowest.from, holder.meter.reached)
    const remaining = lowest.to + 1 - start
    if (remaining < MIN_STEAL_BYTES) {
      return undefined
    }
    const theirRate = this.holderRate(holder)
    const theirs = theirRate > 0 ? remaining / theirRate : Infinity
    const mine = this.firstBlockMs(runner) / 1000 + remaining / rate
    if (mine >= theirs * STEAL_MARGIN) {
      return undefined
    }
    holder.stolen = true
    holder.controller.abort()
    if (holder.meter.bytes === 0) {
      holder.runner.silentStrikes++
      holder.runner.failed ||= holder.runner.silentStrikes >= MAX_SILENT_STRIKES
    }
    this.record(holder)
    holder.runner.claim = undefined
    lowest.holder = undefined
    const span = Math.max(this.init.segmentBytes, Math.floor(rate * SPAN_MS / 1000 / this.init.segmentBytes) * this.init.segmentBytes)
    return this.take(runner, lowest, start, span, true)
  }

  /** Cuts [start, start + bytes) out of `piece` and gives it to `runner`; what lies before `start` was delivered when a steal cut it, else it stays open */
  private take (runner: Runner, piece: Piece, start: number, bytes: number, delivered = false): Claim {
    const index = this.pieces.indexOf(piece)
    const end = Math.min(piece.to, start + bytes - 1)
    const parts: Piece[] = []
    if (start > piece.from) {
      parts.push({ from: piece.from, to: start - 1, done: delivered })
    }
    const claimed: Piece = { from: start, to: end, done: false }
    parts.push(claimed)
    if (end < piece.to) {
      parts.push({ from: end + 1, to: piece.to, done: false })
    }
    this.pieces.splice(index, 1, ...parts)
    const claim: Claim = { runner, piece: claimed, meter: new StreamMeter(start), controller: new AbortController(), stolen: false }
    claimed.holder = claim
    runner.claim = claim
    return claim
  }

  private async stream (claim: Claim, options: AbortOptions & ProgressOptions): Promise<void> {
    const { runner, piece, meter } = claim
    const signal = AbortSignal.any([claim.controller.signal, ...(options.signal == null ? [] : [options.signal])])
    const fetchOptions: CarFetchOptions = { signal, onProgress: options.onProgress, skip: this.init.skip, root: this.init.root }
    let ended = false
    try {
      for await (const block of runner.source.fetch({ ...this.init.query, range: { from: piece.from, to: piece.to } }, fetchOptions)) {
        meter.block(block.cid, block.bytes)
        this.init.deliver(block, runner.source)
        if (claim.stolen) {
          break
        }
        meter.pause()
        await this.init.room()
        meter.resume()
      }
      ended = !claim.stolen
    } catch (err) {
      if (!claim.stolen && options.signal?.aborted !== true) {
        // what it verified stays; the rest is for the others, and a source that lied gets no more of the response
        this.failure(runner, isLie(err))
        const edges = (err as { edges?: unknown }).edges
        if (Array.isArray(edges)) {
          edges.forEach(edge => this.init.skip?.add(String(edge)))
        }
      }
    } finally {
      if (!claim.stolen) {
        this.record(claim)
        runner.claim = undefined
        piece.holder = undefined
        // a stream that ended without sending all of the piece (nothing, or leaves short of its end) left bytes out
        const short = meter.bytes === 0 || (meter.reachedAtMost > piece.from && meter.reachedAtMost < piece.to + 1)
        if (ended && short) {
          this.failure(runner, false)
        }
        this.settle(piece, ended && !short ? piece.to + 1 : meter.reached)
      }
      this.wake()
    }
  }

  private failure (runner: Runner, lie: boolean): void {
    runner.failures++
    runner.failed ||= lie || runner.failures >= MAX_FAILURES
  }

  /** Everything of `piece` before `reached` was delivered; the rest is open again */
  private settle (piece: Piece, reached: number): void {
    const index = this.pieces.indexOf(piece)
    if (index < 0) {
      return
    }
    if (reached > piece.to) {
      piece.done = true
      return
    }
    const parts: Piece[] = reached > piece.from ? [{ from: piece.from, to: reached - 1, done: true }] : []
    parts.push({ from: Math.max(reached, piece.from), to: piece.to, done: false })
    this.pieces.splice(index, 1, ...parts)
  }

  private record (claim: Claim): void {
    this.init.rates.record(claim.runner.source, claim.meter.measured())
  }

  /** Bytes a second: this stream's own measurement, else what the source showed before; undefined when never measured */
  private rateOf (runner: Runner): number | undefined {
    return runner.claim?.meter.rateNow() ?? this.init.rates.get(runner.source)?.bytesPerSecond
  }

  /** A holder's pace for the rest: measured by its stream, else what it showed before while it is not yet late; silent counts as 0 */
  private holderRate (claim: Claim): number {
    const now = claim.meter.rateNow()
    if (now != null) {
      return now
    }
    const known = this.init.rates.get(claim.runner.source)
    if (known == null) {
      return 0
    }
    // past twice its usual wait for a first block, a source's old pace no longer speaks for it
    return claim.meter.silentMs > 2 * (known.firstBlockMs ?? DEFAULT_FIRST_BLOCK_MS) + 4 * TICK_MS ? 0 : known.bytesPerSecond
  }

  private firstBlockMs (runner: Runner): number {
    return this.init.rates.get(runner.source)?.firstBlockMs ?? DEFAULT_FIRST_BLOCK_MS
  }

  /** Bytes of the range not delivered yet */
  private left (): number {
    return this.pieces.reduce((sum, piece) => sum + (piece.done ? 0 : piece.holder == null ? piece.to + 1 - piece.from : this.remaining(piece.holder)), 0)
  }

  private remaining (claim: Claim): number {
    return Math.max(0, claim.piece.to + 1 - Math.max(claim.piece.from, claim.meter.reached))
  }

  private wake (): void {
    for (const wake of this.wakers) {
      wake()
    }
    this.wakers.clear()
  }

  /** Resolves when a stream ended or was taken over, or after a tick (a holder's expected finish moves as it stays silent) */
  private async changed (): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, TICK_MS)
      function done (): void {
        clearTimeout(timer)
        resolve()
      }
      this.wakers.add(done)
    })
  }
}

/** A browser sent a block that did not match its CID (an edge that lies is left out by the edge fetcher itself, through `skip`) */
function isLie (err: unknown): boolean {
  return err instanceof Error && err.name === 'PeerCarLieError'
}
