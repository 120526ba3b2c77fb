import { code as RAW_CODE } from 'multiformats/codecs/raw'
import type { CarSource } from '../node/car-source.ts'
import type { CID } from 'multiformats/cid'

/** What a source has shown: bytes a second while it streams, and how long its first block takes to come (unknown after one stream). */
export interface SourceRate {
  bytesPerSecond: number
  firstBlockMs?: number
}

/** How much a new measurement counts against what was known */
const WEIGHT = 0.5

/**
 * The throughput each CAR source showed, kept for the node's life (one
 * response's measurements inform the next one's first choices). A
 * constrained edge shows its load here: its bytes come slowly. Keyed by the
 * source object, so it holds no more entries than the node has sources.
 */
export class SourceRates {
  private readonly rates = new WeakMap<CarSource, SourceRate>()

  get (source: CarSource): SourceRate | undefined {
    return this.rates.get(source)
  }

  /**
   * Folds one stream's measurement in (a stream too short to say anything is
   * not recorded). A source's first stream in the node's life waited for its
   * connection too (a WebRTC dial to a browser takes a second or two, a
   * request after it a few milliseconds): its wait for a first block is not
   * kept, or one dial would rule the source out for good.
   */
  record (source: CarSource, measured: Partial<SourceRate>): void {
    const known = this.rates.get(source)
    const blend = (was: number | undefined, now: number | undefined): number | undefined =>
      now == null ? was : was == null ? now : was * (1 - WEIGHT) + now * WEIGHT
    const bytesPerSecond = blend(known?.bytesPerSecond, measured.bytesPerSecond)
    const firstBlockMs = known == null ? undefined : blend(known.firstBlockMs, measured.firstBlockMs)
    if (bytesPerSecond != null) {
      this.rates.set(source, { bytesPerSecond, firstBlockMs })
    }
  }
}

/** Streams that brought less than this say nothing about throughput: they are not recorded as a rate */
const MIN_MEASURED_BYTES = 64 * 1024

/**
 * One CAR stream of a file's byte range, measured while it streams: the
 * bytes it brought over the time it was not paused by the reader, and how
 * far into the file it has surely come. A file's data is in its leaves (raw
 * blocks); a range's CAR starts with the leaf holding `from`, which may begin
 * before it, so the offset reached is counted without that first leaf: it
 * never runs past what was delivered (a stream started there again re-sends
 * at most one leaf, never leaves a gap).
 */
export class StreamMeter {
  readonly from: number
  private readonly started = performance.now()
  private firstAt?: number
  /** The first block's bytes: they came at the start of the timed span, so they are not part of its rate */
  private firstBytes = 0
  /** Time the stream was not held by the consumer, up to `since` */
  private activeMs = 0
  private since = performance.now()
  private pausedSince?: number
  private leafBytes = 0
  private firstLeaf?: number
  bytes = 0

  constructor (from: number) {
    this.from = from
  }

  block (cid: CID, bytes: Uint8Array): void {
    if (this.firstAt == null) {
      // the wait for it is the source's latency, kept apart: throughput is timed from here
      this.firstAt = performance.now()
      this.firstBytes = bytes.byteLength
      this.activeMs = 0
      this.since = this.firstAt
    }
    this.bytes += bytes.byteLength
    if (cid.code === RAW_CODE) {
      this.firstLeaf ??= bytes.byteLength
      this.leafBytes += bytes.byteLength
    }
  }

  /** The consumer holds the stream (the reader is behind): this time is not the source's */
  pause (): void {
    if (this.pausedSince == null) {
      const now = performance.now()
      this.activeMs += now - this.since
      this.pausedSince = now
    }
  }

  resume (): void {
    if (this.pausedSince != null) {
      this.since = performance.now()
      this.pausedSince = undefined
    }
  }

  /** The file offset every byte before which has surely been delivered */
  get reached (): number {
    // a stream from the file's start starts with its first leaf: nothing of it lies before `from`
    return this.from + Math.max(0, this.leafBytes - (this.from === 0 ? 0 : this.firstLeaf ?? 0))
  }

  /** The offset delivery would have reached were the first leaf to start at \`from\`: past it, nothing was left out */
  get reachedAtMost (): number {
    return this.from + this.leafBytes
  }

  /** Since the stream was asked for, while no block came yet */
  get silentMs (): number {
    return this.firstAt == null ? performance.now() - this.started : 0
  }

  /**
   * Bytes a second over the time the stream was not held, from its first
   * block on: the wait for that block is its latency, which the scheduler
   * adds on its own (counting it here too would charge it twice). A stream
   * that goes quiet counts its silence, so a source that stalls loses its
   * claim as time passes.
   */
  rateNow (): number | undefined {
    if (this.bytes < MIN_MEASURED_BYTES) {
      return undefined
    }
    const active = this.activeMs + (this.pausedSince == null ? performance.now() - this.since : 0)
    return (this.bytes - this.firstBytes) / (Math.max(active, 1) / 1000)
  }

  /** What this stream says about its source, to remember */
  measured (): Partial<SourceRate> {
    return { bytesPerSecond: this.rateNow(), firstBlockMs: this.firstAt == null ? undefined : this.firstAt - this.started }
  }
}
