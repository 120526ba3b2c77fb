/**
 * What a browser has measured of each edge, and the order and hedging delays
 * built from it. Pure: every function takes a record (or records) and a time
 * and returns new values, so the model is tested without a network or clock.
 */

/** One edge's measurements, as kept in IndexedDB. */
export interface EdgeRecord {
  /** The edge's HTTP URL (or its peer id when it has no HTTP) */
  key: string
  /**
   * Recent times to first byte in ms, oldest first. An edge that had not
   * answered when another edge's answer won counts with the time it had had:
   * a lower bound, but the one that matters for choosing.
   */
  ttfbMs: number[]
  /** Bytes per second while the edge was sending, smoothed; undefined until a large enough transfer */
  bytesPerSecond?: number
  /** Answers, including "not here" (404) */
  answers: number
  /** Refused connections, server errors, broken streams */
  failures: number
  /** Failures since the last answer */
  consecutiveFailures: number
  /** ms since the epoch */
  lastFailureAt?: number
  /** Blocks from this edge that did not match their CID */
  verificationFailures: number
  /** Demoted (a block failed verification) until this time, ms since the epoch */
  demotedUntil?: number
  updatedAt: number
}

export type EdgeState = 'unmeasured' | 'ok' | 'slow' | 'failing' | 'demoted'

/** One edge as the page shows it, in the order the edges are asked. */
export interface EdgeHealthView {
  key: string
  state: EdgeState
  /** Median time to first byte, ms */
  latencyMs?: number
  bytesPerSecond?: number
  failures: number
  verificationFailures: number
  demotedUntil?: number
  /** Position in the configured list (0 = first) */
  configIndex: number
}

/** Samples kept per edge: enough for a p90, few enough to follow a change quickly. */
const MAX_SAMPLES = 20
/** Transfers shorter than this say more about latency than throughput. */
export const MIN_THROUGHPUT_BYTES = 64 * 1024
const THROUGHPUT_SMOOTHING = 0.3
/** A typical block: what the score charges an edge for throughput. */
const TYPICAL_BYTES = 256 * 1024
/** Consecutive failures that make an edge "failing" (asked after every other) */
const FAILING_AFTER = 2
/** A failing edge is given another chance this long after its last failure. */
export const FAILING_FOR_MS = 60_000
/** Slower than this many times the best edge (and by SLOW_MARGIN_MS), or than SLOW_ABSOLUTE_MS, is "slow". */
const SLOW_FACTOR = 4
const SLOW_MARGIN_MS = 200
const SLOW_ABSOLUTE_MS = 2_000

/** How long an edge that sent a forged block stays demoted. */
export const DEMOTE_MS = 60 * 60 * 1000

export interface HedgeDelayOptions {
  /** @default 100 */
  floorMs?: number
  /** @default 2000 */
  ceilingMs?: number
  /** For an edge with no measurements. @default 500 */
  unmeasuredMs?: number
}

export function emptyRecord (key: string, now: number): EdgeRecord {
  return { key, ttfbMs: [], answers: 0, failures: 0, consecutiveFailures: 0, verificationFailures: 0, updatedAt: now }
}

/** The edge answered (any HTTP status it chose to give) after `ttfbMs`. */
export function withAnswer (record: EdgeRecord, ttfbMs: number, now: number): EdgeRecord {
  return { ...record, ttfbMs: pushSample(record.ttfbMs, ttfbMs), answers: record.answers + 1, consecutiveFailures: 0, updatedAt: now }
}

/** Another edge answered first, `elapsedMs` after this one was asked, and this one had not answered yet. */
export function withOutpaced (record: EdgeRecord, elapsedMs: number, now: number): EdgeRecord {
  return { ...record, ttfbMs: pushSample(record.ttfbMs, elapsedMs), updatedAt: now }
}

/** The edge sent `bytes` in `ms` of waiting for them. */
export function withTransfer (record: EdgeRecord, bytes: number, ms: number, now: number): EdgeRecord {
  if (bytes < MIN_THROUGHPUT_BYTES) {
    return record
  }
  const rate = bytes / Math.max(ms, 1) * 1000
  const bytesPerSecond = record.bytesPerSecond == null ? rate : record.bytesPerSecond + THROUGHPUT_SMOOTHING * (rate - record.bytesPerSecond)
  return { ...record, bytesPerSecond, updatedAt: now }
}

export function withFailure (record: EdgeRecord, now: number): EdgeRecord {
  return { ...record, failures: record.failures + 1, consecutiveFailures: record.consecutiveFailures + 1, lastFailureAt: now, updatedAt: now }
}

/** The edge sent bytes that are not the block asked for: demoted at once, for `demoteMs`. */
export function withVerificationFailure (record: EdgeRecord, now: number, demoteMs = DEMOTE_MS): EdgeRecord {
  return {
    ...record,
    verificationFailures: record.verificationFailures + 1,
    demotedUntil: Math.max(record.demotedUntil ?? 0, now + demoteMs),
    updatedAt: now
  }
}

/**
 * Two records of one edge (this SW's and what another writer stored): a
 * demotion is never lost to a write that did not know of it.
 */
export function mergeRecords (mine: EdgeRecord, stored: EdgeRecord): EdgeRecord {
  const demotedUntil = Math.max(mine.demotedUntil ?? 0, stored.demotedUntil ?? 0)
  return {
    ...mine,
    verificationFailures: Math.max(mine.verificationFailures, stored.verificationFailures),
    ...(demotedUntil > 0 ? { demotedUntil } : {})
  }
}

export function isDemoted (record: EdgeRecord | undefined, now: number): boolean {
  return record?.demotedUntil != null && record.demotedUntil > now
}

export function isFailing (record: EdgeRecord | undefined, now: number): boolean {
  return record != null && record.consecutiveFailures >= FAILING_AFTER && now - (record.lastFailureAt ?? 0) < FAILING_FOR_MS
}

/** Median time to first byte, or undefined before any sample. */
export function latencyMs (record: EdgeRecord | undefined): number | undefined {
  return percentile(record?.ttfbMs ?? [], 0.5)
}

/**
 * How long to wait for this edge before asking the next one too: about its
 * p90 time to first byte, so a hedge is sent for the slowest one request in
 * ten, within a floor (no duplicate requests for ordinary jitter) and a
 * ceiling (a stalled edge never holds a request long).
 */
export function hedgeDelayMs (record: EdgeRecord | undefined, { floorMs = 100, ceilingMs = 2_000, unmeasuredMs = 500 }: HedgeDelayOptions = {}): number {
  const p90 = percentile(record?.ttfbMs ?? [], 0.9)
  if (p90 == null) {
    return unmeasuredMs
  }
  return Math.round(Math.min(ceilingMs, Math.max(floorMs, p90 * 1.5)))
}

/**
 * Expected ms for a typical block: latency plus transfer time, multiplied up
 * for recent failures. Undefined for an edge with no latency sample.
 */
export function scoreMs (record: EdgeRecord | undefined): number | undefined {
  const latency = latencyMs(record)
  if (record == null || latency == null) {
    return undefined
  }
  const transfer = record.bytesPerSecond == null ? 0 : TYPICAL_BYTES / record.bytesPerSecond * 1000
  return (latency + transfer) * (1 + record.consecutiveFailures)
}

/**
 * The order to ask edges in: edges in good standing by score, then failing
 * ones, then demoted ones. An edge not measured yet scores as the median of
 * the measured ones (a fair chance: neither ahead of a good edge nor behind a
 * bad one), and equal scores keep the configured order.
 */
export function rankEdges<T> (edges: readonly T[], recordOf: (edge: T) => EdgeRecord | undefined, now: number): T[] {
  if (edges.length < 2) {
    // nothing to order: a single edge (a dApp's usual case) is not scored on every request
    return [...edges]
  }
  const records = edges.map(recordOf)
  const measured = records.flatMap(record => isDemoted(record, now) ? [] : [scoreMs(record)]).filter((s): s is number => s != null)
  const prior = percentile(measured, 0.5) ?? 0
  const keyed = edges.map((edge, index) => {
    const record = records[index]
    const tier = isDemoted(record, now) ? 2 : isFailing(record, now) ? 1 : 0
    return { edge, index, tier, score: scoreMs(record) ?? prior }
  })
  keyed.sort((a, b) => a.tier - b.tier || a.score - b.score || a.index - b.index)
  return keyed.map(k => k.edge)
}

/** What each edge's record says, for people: state relative to the best edge in good standing. */
export function stateOf (record: EdgeRecord | undefined, now: number, bestLatencyMs?: number): EdgeState {
  if (isDemoted(record, now)) return 'demoted'
  if (isFailing(record, now)) return 'failing'
  const latency = latencyMs(record)
  if (latency == null) return 'unmeasured'
  if (latency > SLOW_ABSOLUTE_MS) return 'slow'
  if (bestLatencyMs != null && latency > SLOW_FACTOR * bestLatencyMs && latency > bestLatencyMs + SLOW_MARGIN_MS) return 'slow'
  return 'ok'
}

/** Edges in the order they are asked, each with its state and measurements. */
export function describeEdges (keys: readonly string[], recordOf: (key: string) => EdgeRecord | undefined, now: number): EdgeHealthView[] {
  const latencies = keys.flatMap(key => {
    const record = recordOf(key)
    const latency = latencyMs(record)
    return latency == null || isDemoted(record, now) || isFailing(record, now) ? [] : [latency]
  })
  const best = latencies.length === 0 ? undefined : Math.min(...latencies)
  const indexed = keys.map((key, configIndex) => ({ key, configIndex }))
  return rankEdges(indexed, ({ key }) => recordOf(key), now).map(({ key, configIndex }) => {
    const record = recordOf(key)
    return {
      key,
      state: stateOf(record, now, best),
      latencyMs: latencyMs(record),
      bytesPerSecond: record?.bytesPerSecond,
      failures: record?.failures ?? 0,
      verificationFailures: record?.verificationFailures ?? 0,
      demotedUntil: isDemoted(record, now) ? record?.demotedUntil : undefined,
      configIndex
    }
  })
}

/** Readable state, as the page shows it. */
export function describeState (state: EdgeState): string {
  return state === 'demoted' ? 'demoted (lied)' : state === 'unmeasured' ? 'not measured yet' : state
}

function pushSample (samples: number[], sample: number): number[] {
  const next = [...samples, Math.max(0, Math.round(sample))]
  return next.length > MAX_SAMPLES ? next.slice(next.length - MAX_SAMPLES) : next
}

function percentile (samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

/** How an edge is known in the records: its HTTP URL, else its peer id, else its first multiaddr. */
export function edgeKey (edge: { http?: string, peerId?: string, multiaddrs: string[] }): string {
  return edge.http ?? edge.peerId ?? edge.multiaddrs[0] ?? ''
}
