import { raceSignal } from 'race-signal'
import { logger } from '@libp2p/logger'
import { readRoutingAnswer } from '../lib/routing-answer.ts'
import { selectProviders } from '../lib/routing-providers.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import type { FoundProviders, ProviderPolicy } from '../lib/routing-providers.ts'
import type { RoutingRecord } from '../lib/routing-answer.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * IPIP-484 filters (Kubo, someguy and Helia's routers honour them; others
 * ignore them): only records a browser can use, so a busy router's answer
 * fits the answer cap. `unknown` keeps DHT records that list no protocols.
 */
const PROVIDER_FILTERS = new URLSearchParams({
  'filter-protocols': 'transport-ipfs-gateway-http,transport-bitswap,unknown',
  'filter-addrs': 'http,https,ws,wss'
}).toString()

/** How long a router may take to answer; a slower one counts as "no providers". */
export const ROUTER_TIMEOUT_MS = 4_000
/** Once one router listed a usable provider, how long the others still get to add theirs. */
export const ANSWER_GRACE_MS = 250
/** How long an answer is used before the routers are asked again. */
export const PROVIDER_TTL_MS = 60_000
/** A lookup where every router failed is retried sooner than one they answered. */
export const FAILED_LOOKUP_TTL_MS = 5_000
/** Lookups remembered (answers and lookups in flight); the oldest is forgotten first. */
export const MAX_LOOKUPS = 256
/** Discovered providers measured at once (health records); the least recently used is forgotten first. */
export const MAX_MEASURED_PROVIDERS = 64
/** Providers asked per lookup, per transport. */
export const MAX_HTTP_PROVIDERS = 3
export const MAX_BITSWAP_PROVIDERS = 3

export interface ProviderDiscoveryInit extends ProviderPolicy {
  /** Delegated routing v1 base URLs */
  routers: string[]
  /** HTTP URLs of the configured edges: they were asked already, and are measured elsewhere */
  edgeUrls?: Iterable<string>
  /** Peer ids of the configured edges */
  edgePeers?: Iterable<string>
  /** @default ROUTER_TIMEOUT_MS */
  timeoutMs?: number
  /** @default PROVIDER_TTL_MS */
  ttlMs?: number
  /** @default Date.now */
  now?(): number
}

interface Lookup {
  at: number
  ttlMs: number
  found: Promise<FoundProviders>
}

/**
 * Finds providers of content through delegated routing v1 routers
 * (`GET <router>/routing/v1/providers/<cid>`, filtered as IPIP-484 lets a
 * client ask), for content the configured
 * edges do not have. Every router is asked at once; each answer is read with
 * the routing answer cap and a short timeout, so a router that hangs or
 * floods costs a lookup a few seconds at most and never hangs a request.
 * Answers are kept a minute (a bounded number of them), and concurrent
 * requests for one CID share one lookup. What is found passes the same
 * address policy as the edges, and a few providers are kept per lookup.
 *
 * The providers' measurements (`health`) are kept in memory apart from the
 * configured edges' (which are stored): whoever runs a router names them,
 * so their number is capped and they never reach the browser's storage.
 */
export class ProviderDiscovery {
  readonly health: EdgeHealth
  private readonly routers: string[]
  private readonly policy: ProviderPolicy
  private readonly excludeHttp: ReadonlySet<string>
  private readonly excludePeers: ReadonlySet<string>
  private readonly timeoutMs: number
  private readonly ttlMs: number
  private readonly now: () => number
  private readonly lookups = new Map<string, Lookup>()
  private readonly log = logger('edgeway:discovery')

  constructor (init: ProviderDiscoveryInit) {
    this.routers = init.routers
    this.policy = { allowLocal: init.allowLocal, allowInsecure: init.allowInsecure }
    this.excludeHttp = new Set(init.edgeUrls)
    this.excludePeers = new Set(init.edgePeers)
    this.timeoutMs = init.timeoutMs ?? ROUTER_TIMEOUT_MS
    this.ttlMs = init.ttlMs ?? PROVIDER_TTL_MS
    this.now = init.now ?? Date.now
    this.health = new EdgeHealth({ maxRecords: MAX_MEASURED_PROVIDERS, now: this.now })
  }

  get available (): boolean {
    return this.routers.length > 0
  }

  /**
   * Providers of `cid`, from the routers or from a recent answer. Never
   * rejects but when `options.signal` aborts: a router that fails, hangs or
   * answers too much adds nothing.
   */
  async find (cid: CID, options: AbortOptions = {}): Promise<FoundProviders> {
    options.signal?.throwIfAborted()
    const key = cid.toString()
    const now = this.now()
    let lookup = this.lookups.get(key)
    if (lookup == null || now - lookup.at >= lookup.ttlMs) {
      const started: Lookup = { at: now, ttlMs: this.ttlMs, found: Promise.resolve({ http: [], bitswap: [] }) }
      // the lookup runs on its own timeout, not a caller's signal: another request may be waiting for it
      started.found = this.lookup(cid, started)
      lookup = started
      this.lookups.delete(key)
      this.lookups.set(key, lookup)
      if (this.lookups.size > MAX_LOOKUPS) {
        this.lookups.delete(this.lookups.keys().next().value as string)
      }
    }
    return raceSignal(lookup.found, options.signal)
  }

  private async lookup (cid: CID, lookup: Lookup): Promise<FoundProviders> {
    // stragglers are cut off once the lookup is decided: their answers would not be used
    const decided = new AbortController()
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), decided.signal])
    const records: RoutingRecord[] = []
    let failed = 0
    const select = (): FoundProviders => selectProviders(records, {
      ...this.policy,
      maxHttp: MAX_HTTP_PROVIDERS,
      maxBitswap: MAX_BITSWAP_PROVIDERS,
      excludeHttp: this.excludeHttp,
      excludePeers: this.excludePeers
    })
    // every router's answer, or, once one listed a usable provider, what the others add within a grace period:
    // a router that hangs must not hold back what another one found
    await new Promise<void>(resolve => {
      let pending = this.routers.length
      let grace: ReturnType<typeof setTimeout> | undefined
      const done = (): void => {
        clearTimeout(grace)
        resolve()
      }
      for (const router of this.routers) {
        this.ask(router, cid, signal).then(answer => {
          records.push(...answer)
          const found = select()
          if (grace == null && found.http.length + found.bitswap.length > 0) grace = setTimeout(done, ANSWER_GRACE_MS)
        }, () => { failed++ }).finally(() => {
          if (--pending === 0) done()
        })
      }
    })
    decided.abort()
    if (failed === this.routers.length) {
      lookup.ttlMs = FAILED_LOOKUP_TTL_MS
    }
    const found = select()
    this.log('%c: %d records, %d HTTP and %d bitswap providers', cid, records.length, found.http.length, found.bitswap.length)
    return found
  }

  /** One router's records for `cid`: none for its "no records" (404), an error for anything unusable. */
  private async ask (router: string, cid: CID, signal: AbortSignal): Promise<RoutingRecord[]> {
    try {
      const response = await fetch(`${router}/routing/v1/providers/${cid.toString()}?${PROVIDER_FILTERS}`, {
        headers: { Accept: 'application/json' },
        signal,
        cache: 'no-store',
        credentials: 'omit'
      })
      if (response.status === 404) {
        await response.body?.cancel()
        return []
      }
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`HTTP ${response.status}`)
      }
      return await readRoutingAnswer(response, { signal })
    } catch (err) {
      this.log.error('router %s failed for %c - %e', router, cid, err)
      throw err
    }
  }
}
