import { PROBE_WORTH_MS, SegmentScheduler } from './segment-scheduler.ts'
import type { CarPrefetchInit, FileStream, PeerCars } from './prefetch-view.ts'
import type { CarBlock } from '../node/edge-car-fetcher.ts'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'

/** How often a response whose root other browsers are listed for looks at whether sharing it would pay back */
const SHARE_LOOK_MS = 50

/** What sharing a file's rest with other sources needs of the response's CarPrefetch */
export interface ShareHost {
  init: CarPrefetchInit
  /** Edges failed earlier in the response */
  failedEdges: Set<string>
  onProgress?: ProgressOptions['onProgress']
  deliver(block: CarBlock): void
  /** Resolves when the reader has room for more */
  room(): Promise<void>
  /** The response waits on `stream` until `running` says whether every byte came */
  track(stream: FileStream, running: Promise<boolean>): void
}

/**
 * Shares the rest of the path stream's range once the edge, as measured on
 * it, would need longer than a try of another source takes to pay back;
 * until then the one stream goes on as it would with no browser listed
 * (sharing costs a fast edge's read more than it can gain: more requests,
 * and a browser's connection). Looked at again while the stream runs, so
 * an edge that slows down is shared from then on.
 */
export function shareWhenWorth (host: ShareHost, path: FileStream, file: CID, last: number, peers: PeerCars): void {
  const look = (): void => {
    if (host.init.signal?.aborted === true || (path.ended && !path.failed && path.to >= last)) {
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
    share(host, path, file, last, peers)
  }
  look()
}

/**
 * The rest of the range `path` was asked for, from the next piece boundary
 * past what it surely delivered, read from the edges and other browsers at
 * once (SegmentScheduler); the path stream stops at that boundary.
 */
function share (host: ShareHost, path: FileStream, file: CID, last: number, peers: PeerCars): void {
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
  if (!path.ended && path.meter != null) {
    // what the edge showed so far: the others' first choices already know it
    peers.rates.record(host.init.fetcher, path.meter.measured())
  }
  const scheduler = new SegmentScheduler({
    sources: [host.init.fetcher, peers.source],
    query: { cid: file },
    from: cut,
    to: last,
    segmentBytes: segment,
    lookaheadBytes: 2 * host.init.readAheadBytes,
    rates: peers.rates,
    deliver: (block, source) => { host.deliver({ ...block, source: block.source ?? source.kind }) },
    room: host.room,
    skip: host.failedEdges,
    root: host.init.root,
    // the edge's path stream runs on to the cut: the edge takes a piece once it ended
    busy: path.running == null || path.ended ? undefined : new Map([[host.init.fetcher, path.running]])
  })
  host.track(stream, scheduler.run({ signal: host.init.signal, onProgress: host.onProgress }))
}
