import { SampleRing } from './live-samples.ts'
import type { EdgeSample, Sample } from './live-samples.ts'
import type { EdgesReport } from '../lib/edge-status.ts'
import type { TransferStats } from '../lib/transfer-stats.ts'
import type { CacheUsage, GatewayStats } from '../lib/types.ts'

export interface LiveStatsOptions {
  /** This tab's totals: the in-tab peer records what it serves to other browsers here */
  served?: TransferStats
  /**
   * How often the service worker's totals are read and a sample is taken
   *
   * @default 1000
   */
  intervalMs?: number
  /** @default a ring of five minutes' samples */
  ring?: SampleRing
}

export type LiveListener = (gateway: GatewayStats | undefined, ring: SampleRing) => void

/**
 * The page's one reader of the service worker's totals (`/_edgeway/stats`),
 * once a second. Each reading becomes a sample in a bounded ring, together
 * with what the page's panels last measured (edges, cache, peers), which
 * they note here as they refresh; listeners (the totals table, the charts)
 * get every reading.
 */
export class LiveStats {
  readonly ring: SampleRing
  private edges: EdgeSample[] = []
  private cache?: Sample['cache']
  private peers?: number
  private readonly listeners = new Set<LiveListener>()
  private readonly served?: TransferStats
  private readonly intervalMs: number

  constructor ({ served, intervalMs = 1000, ring = new SampleRing() }: LiveStatsOptions = {}) {
    this.served = served
    this.intervalMs = intervalMs
    this.ring = ring
  }

  readonly noteEdges = (report: EdgesReport): void => {
    this.edges = report.edges.map(({ key, latencyMs, bytesPerSecond }) => ({ key, latencyMs, bytesPerSecond }))
  }

  readonly noteCache = ({ cachedBytes, pinnedBytes, budgetBytes }: CacheUsage): void => {
    this.cache = { cachedBytes, pinnedBytes, budgetBytes }
  }

  readonly notePeers = (peers: number): void => {
    this.peers = peers
  }

  /** Calls `listener` after every reading; returns the function that stops it. */
  subscribe (listener: LiveListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Reads now and then every `intervalMs`; returns the function that stops it. */
  start (): () => void {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    // one reading at a time: a slow SW (starting up) delays the next sample rather than piling requests up
    const tick = async (): Promise<void> => {
      await this.read()
      if (!stopped) timer = setTimeout(() => { void tick() }, this.intervalMs)
    }
    void tick()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }

  private async read (): Promise<void> {
    const gateway = await readGatewayStats()
    const served = this.served?.snapshot().served.bytes ?? 0
    this.ring.push({
      at: Date.now(),
      bytes: gateway == null ? undefined : { ...gateway.bytes, served },
      swStartedAt: gateway?.startedAt,
      edges: this.edges,
      cache: this.cache,
      peers: this.peers
    })
    for (const listener of this.listeners) {
      listener(gateway, this.ring)
    }
  }
}

/** The SW's running totals, or undefined while no SW controls the page. */
async function readGatewayStats (): Promise<GatewayStats | undefined> {
  if (navigator.serviceWorker?.controller == null) {
    return undefined
  }
  try {
    return await (await fetch('/_edgeway/stats', { cache: 'no-store' })).json() as GatewayStats
  } catch {
    return undefined
  }
}
