import { errorToResponse } from '../lib/error-to-response.ts'
import { EdgesUnreachableError, NoProvidersError, SourceTimeoutError, VerificationError } from '../lib/errors.ts'
import { formatSourceHeader, SourceTally } from '../lib/source-tally.ts'
import { IdleWatchdog } from './idle-watchdog.ts'
import type { ContentFetcherComponents, ContentFetchInit } from './content-fetcher.ts'
import type { ResolvedName } from './resolve-name.ts'
import type { SmallSites } from './small-site.ts'
import type { EdgewayError } from '../lib/errors.ts'
import type { ContentAddress, GatewayAddress } from '../lib/parse-gateway-url.ts'
import type { BodyWatch, RequestState } from '../lib/request-state.ts'
import type { EdgesUnreachableDetail, ProvidersNoneDetail } from '../lib/types.ts'

/** Answers another path of the same site (a `_redirects` target, the file itself), with the request's init unless overridden. */
export type FollowRule = (address: GatewayAddress, init?: Pick<ContentFetchInit, 'method' | 'headers' | 'signal'>) => Promise<Response>

/** Request headers verified-fetch acts on; everything else stays with the browser. */
const FORWARDED_HEADERS = ['accept', 'range', 'if-none-match', 'cache-control']

/**
 * One request on its way through the steps (steps/index.ts): what was asked,
 * what the steps learned so far, and what it has cost. Steps read and set its
 * fields; each field says which step sets it.
 */
export class ContentRequest {
  readonly components: ContentFetcherComponents
  readonly requested: GatewayAddress
  readonly init: ContentFetchInit
  /** How many `_redirects` rules led here (site-redirect.ts bounds it) */
  readonly rules: number
  /** Runs the steps for another path of the same site, one rule deeper, as this request would be asked */
  readonly follow: FollowRule
  /** The node's small-site fetches (small-site.ts), shared by its requests */
  readonly sites: SmallSites
  readonly started = performance.now()
  /** The request's own `Accept`, for error pages */
  readonly accept: string | null
  /** The headers verified-fetch sees; preflight sets `accept` to what the request means */
  readonly headers = new Headers()
  /** resolve-name: the immutable address (the requested one for `/ipfs/`) */
  address!: ContentAddress
  /** resolve-name: the name's answer, for `/ipns/` */
  name?: ResolvedName
  /** preflight: the `Accept` the request means (`?format=` applied), null for none */
  wanted: string | null = null
  /** preflight: `Cache-Control: only-if-cached`: this browser's store or nothing */
  offline = false
  /** peers-listed: whether the edges list other browsers for the content (a lookup in flight; nothing waits for it) */
  peersListed?: Promise<boolean>
  /** resolve-file (else the verified-fetch step): what rides on verified-fetch's and Helia's options */
  state?: RequestState
  /** verified-fetch: the answer the later steps shape */
  response?: Response
  /** Server-Timing entries beyond the first byte's */
  readonly timings: string[] = []
  readonly tally: SourceTally
  readonly watchdog: IdleWatchdog
  /** Ends with the request's own signal, or when no source made progress for the configured timeout */
  readonly signal: AbortSignal
  /**
   * Aborted once the request is answered: an error page, a 304 or a body read
   * to its end needs nothing more from the edge, and a CAR stream left paused
   * would hold its blocks and its connection for as long as the SW lives
   */
  readonly answered = new AbortController()
  /** Set when no source can be reached at all: the request ends then, not after the idle timeout */
  private unreachable?: EdgesUnreachableError
  /** Set when no source has a block: the edges lack it and the routers list nobody who sent it */
  private absent?: NoProvidersError
  private finished = false

  constructor (components: ContentFetcherComponents, requested: GatewayAddress, init: ContentFetchInit, rule: { rules: number, follow: FollowRule, sites: SmallSites }) {
    this.components = components
    this.requested = requested
    this.init = init
    this.rules = rule.rules
    this.follow = rule.follow
    this.sites = rule.sites
    this.accept = init.headers?.get('accept') ?? null
    for (const name of FORWARDED_HEADERS) {
      const value = init.headers?.get(name)
      if (value != null) {
        this.headers.set(name, value)
      }
    }
    if (requested.protocol === 'ipfs') {
      this.address = requested
    }
    this.tally = new SourceTally(components.edgePeers, init.onUse)
    this.watchdog = new IdleWatchdog(components.config.timeoutMs)
    this.signal = init.signal == null ? this.watchdog.signal : AbortSignal.any([this.watchdog.signal, init.signal])
  }

  get method (): string {
    return this.init.method ?? 'GET'
  }

  /** What Helia, the brokers and verified-fetch report as they work: counted, and a source that is gone ends the request at once. */
  readonly onProgress = (event: { type: string, detail?: unknown }): void => {
    if (event.type === 'blocks:get:blockstore:get') {
      // a block a site CAR brought a moment ago is counted as the edge's by the first response that uses it
      const delivered = this.sites.takeDelivered(String(event.detail))
      if (delivered != null) {
        event = { type: 'edgeway:block:delivered', detail: delivered }
      }
    }
    if (this.tally.record(event)) {
      this.watchdog.touch()
    } else if (event.type === 'edgeway:edges:unreachable' && this.unreachable == null) {
      this.unreachable = new EdgesUnreachableError(`No edge could be reached (${(event.detail as EdgesUnreachableDetail).edges.join(', ')}): they are down or this browser is offline, and a block of this content is not in this browser's store`)
      this.watchdog.abort(this.unreachable)
    } else if (event.type === 'edgeway:providers:none' && this.absent == null) {
      const detail = event.detail as ProvidersNoneDetail
      const routers = this.components.config.routers
      this.absent = new NoProvidersError(`No source has ${detail.cid}: ${detail.edges.length === 0 ? 'no edge is configured' : `the edges answered 404 (${detail.edges.join(', ')})`}, and ${routers.length === 0 ? 'no router is configured to find others' : detail.providers.length === 0 ? 'no router lists a provider' : `the providers the routers list did not send it (${detail.providers.join(', ')})`}`)
      this.watchdog.abort(this.absent)
    }
  }

  /** How a body the file plugin streams reports here: what the re-piped body in instrument.ts does for other bodies. */
  readonly bodyWatch: BodyWatch = {
    progressed: () => { this.watchdog.touch() },
    ended: () => { this.finish() },
    failed: (err) => {
      this.finish()
      return this.watchdog.fired ? this.unavailable() : err
    },
    cancelled: (reason) => {
      // the reader went away: stop fetching blocks for it
      this.watchdog.abort(reason)
      this.finish()
    }
  }

  /** Nothing usable arrived: 502 if a source lied (its bytes were thrown away), else 504 with the reason known. */
  unavailable (): EdgewayError {
    return this.tally.rejected > 0
      ? new VerificationError(`${this.tally.rejected} block(s) failed hash verification and no honest source sent them`)
      : this.unreachable ?? this.absent ?? new SourceTimeoutError(`No source sent this content within ${this.components.config.timeoutMs} ms`)
  }

  /** The request is done (answered, its body read, failed or cancelled): stop its streams and report its counts, once. */
  finish (): void {
    if (this.finished) return
    this.finished = true
    this.answered.abort()
    this.watchdog.stop()
    this.init.onDone?.(this.tally.counts)
  }

  /** An error answer that still says what the request used, with a source's headers when it had some. */
  fail (err: unknown, from?: Headers): Response {
    this.finish()
    this.init.onError?.(err)
    return errorToResponse(err, { accept: this.accept, headers: this.sourceHeaders(from, false), gatewayUrl: this.init.gatewayUrl })
  }

  /** An error answer before any source was asked: no counts to report. */
  refuse (err: unknown): Response {
    this.finish()
    this.init.onError?.(err)
    return errorToResponse(err, { accept: this.accept, gatewayUrl: this.init.gatewayUrl })
  }

  /** `headers` with what this response used, how long its first byte took and, when `withPath`, its path. */
  sourceHeaders (from?: Headers, withPath = true, into = new Headers(from)): Headers {
    into.set('X-Edgeway-Source', formatSourceHeader(this.tally.counts))
    into.set('X-Edgeway-Bytes', formatSourceHeader(this.tally.bytes))
    const timing = [`edgeway;desc="first byte";dur=${(performance.now() - this.started).toFixed(1)}`, ...this.timings].join(', ')
    const existing = into.get('Server-Timing')
    into.set('Server-Timing', existing == null || existing === '' ? timing : `${existing}, ${timing}`)
    if (withPath) {
      // the path as requested, percent-encoded: always a valid header value
      into.set('X-Ipfs-Path', `/ipfs/${this.address.cid.toString()}${this.address.path}`)
    }
    const expose = into.get('Access-Control-Expose-Headers')
    into.set('Access-Control-Expose-Headers', [expose, 'X-Edgeway-Source', 'X-Edgeway-Bytes', 'Server-Timing', 'Etag'].filter(Boolean).join(', '))
    return into
  }
}
