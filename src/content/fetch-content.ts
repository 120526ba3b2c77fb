import { CID } from 'multiformats/cid'
import { errorToResponse } from '../lib/error-to-response.ts'
import { ContentError, EdgesUnreachableError, InvalidRequestError, NoProvidersError, NotInDagError, NotSupportedError, SourceTimeoutError, VerificationError } from '../lib/errors.ts'
import { IdleWatchdog } from './idle-watchdog.ts'
import { toGatewayPath, toIpfsUrl } from '../lib/parse-gateway-url.ts'
import { resolveName } from './resolve-name.ts'
import { CarPrefetch } from './car-prefetch.ts'
import { pathEndsInsideNode } from './gateway/dag-path.ts'
import { nameHeaders, nameResponse } from './gateway/name-response.ts'
import { acceptsExplicitly, effectiveAccept } from './gateway/negotiate.ts'
import { presentDag, presentDirectory } from './gateway/present.ts'
import { checkPresentable } from './gateway/presentable.ts'
import { checkRange } from './gateway/check-range.ts'
import { siteRedirect } from './gateway/site-redirect.ts'
import { wantsWholeDag, warmDag } from './gateway/warm-dag.ts'
import { resolveFile } from './resolve-file.ts'
import { smallSite } from './small-site.ts'
import { SourceTally, formatSourceHeader } from '../lib/source-tally.ts'
import type { PeerFirstOptions } from '../node/peer-first.ts'
import type { DiscoveryOptions } from '../node/provider-discovery.ts'
import type { SourceUseListener } from '../lib/source-tally.ts'
import type { EdgewayError } from '../lib/errors.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { ContentAddress, GatewayAddress } from '../lib/parse-gateway-url.ts'
import type { PresentInit } from './gateway/present.ts'
import type { ResolvedName } from './resolve-name.ts'
import type { EdgesUnreachableDetail, ProvidersNoneDetail, SourceCounts } from '../lib/types.ts'
import type { StreamFileOptions } from './stream-file-plugin.ts'
import type { VerifiedFetchInit } from '@helia/verified-fetch'
import type { AbortOptions } from '@libp2p/interface'

/** Blocks of one DAG layer fetched at once, outside the windowed file stream. */
const BLOCK_READ_CONCURRENCY = 16

/** Request headers verified-fetch acts on; everything else stays with the browser. */
const FORWARDED_HEADERS = ['accept', 'range', 'if-none-match', 'cache-control']

export interface FetchContentOptions extends AbortOptions {
  method?: string
  headers?: Headers
  /**
   * `manual` answers a directory without its trailing slash with a 301 (what
   * a gateway must do, so relative links work); `follow` answers its index
   *
   * @default 'follow'
   */
  redirect?: RequestRedirect
  /**
   * The content root is this origin's root (a subdomain or DNSLink site), so
   * the site's `_redirects` file applies to paths it does not have
   *
   * @default false
   */
  originRoot?: boolean
  /**
   * The request loads a document (a page or a frame): a small site's whole
   * directory may be fetched for the assets it will ask for
   *
   * @default false
   */
  navigation?: boolean
  /** Called as the response's counts grow (a block as it is used, its bytes once known), for live statistics */
  onUse?: SourceUseListener
  /** Called once the body has been fully delivered (or failed) with this response's counts */
  onDone?(counts: SourceCounts): void
}

/**
 * Answers one content request through verified-fetch: every block is hashed
 * before it is used, the body streams as blocks arrive, and the response says
 * where its blocks came from. A request with no progress for the configured
 * timeout ends in 504 (or, once streaming, an aborted body), never a hang.
 */
export async function fetchContent (node: EdgeNode, requested: GatewayAddress, options: FetchContentOptions = {}): Promise<Response> {
  options.signal?.throwIfAborted()
  const started = performance.now()
  const accept = options.headers?.get('accept') ?? null
  let address: ContentAddress
  let name: ResolvedName | undefined
  if (requested.protocol === 'ipns') {
    const early = await nameResponse(node, requested, options)
    if (early != null) {
      return early
    }
    try {
      name = await resolveName(node.names, requested, { signal: options.signal ?? AbortSignal.timeout(node.config.timeoutMs) })
    } catch (err) {
      options.signal?.throwIfAborted()
      return errorToResponse(err, { accept })
    }
    address = name.address
  } else {
    address = requested
  }
  const tally = new SourceTally(node.edgePeers, options.onUse)
  const watchdog = new IdleWatchdog(node.config.timeoutMs)
  const signal = options.signal == null ? watchdog.signal : AbortSignal.any([watchdog.signal, options.signal])
  const headers = new Headers()
  for (const name of FORWARDED_HEADERS) {
    const value = options.headers?.get(name)
    if (value != null) {
      headers.set(name, value)
    }
  }
  let wanted: string | null
  try {
    wanted = effectiveAccept(new URLSearchParams(address.search), accept)
    checkPresentable(address.cid, wanted)
    checkRange(headers.get('range'))
  } catch (err) {
    return errorToResponse(err, { accept })
  }
  if (wanted != null) {
    headers.set('accept', wanted)
  }
  /** Server-Timing entries beyond the first byte's */
  const timings: string[] = []
  // ends this response's CAR streams once it is answered: an error page, a 304 or a body read to
  // its end needs nothing more from the edge, and a stream left paused would hold its blocks and
  // its connection for as long as the SW lives
  const answered = new AbortController()
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    answered.abort()
    watchdog.stop()
    options.onDone?.(tally.counts)
  }
  // set when no source can be reached at all: the request ends then, not after the idle timeout
  let unreachable: EdgesUnreachableError | undefined
  // set when no source has a block: the edges lack it and the routers list nobody who sent it
  let absent: NoProvidersError | undefined
  // nothing usable arrived: 502 if a source lied (its bytes were thrown away), else 504
  const unavailable = (): EdgewayError => tally.rejected > 0
    ? new VerificationError(`${tally.rejected} block(s) failed hash verification and no honest source sent them`)
    : unreachable ?? absent ?? new SourceTimeoutError(`No source sent this content within ${node.config.timeoutMs} ms`)
  const fail = (err: unknown, from?: Headers): Response => {
    finish()
    return errorToResponse(err, { accept, headers: sourceHeaders(tally, started, from, undefined, timings) })
  }

  const presentInit: PresentInit = {
    accept: wanted,
    ifNoneMatch: headers.get('if-none-match'),
    method: options.method ?? 'GET',
    displayPath: requested.protocol === 'ipns' ? `/ipns/${requested.name}${requested.path}` : `/ipfs/${address.cid.toString()}${address.path}`,
    atRoot: requested.path === '' || requested.path === '/'
  }
  let response: Response
  try {
    const onProgress = (event: { type: string, detail?: unknown }): void => {
      if (tally.record(event)) {
        watchdog.touch()
      } else if (event.type === 'edgeway:edges:unreachable' && unreachable == null) {
        unreachable = new EdgesUnreachableError(`No edge could be reached (${(event.detail as EdgesUnreachableDetail).edges.join(', ')}): they are down or this browser is offline, and a block of this content is not in this browser's store`)
        watchdog.abort(unreachable)
      } else if (event.type === 'edgeway:providers:none' && absent == null) {
        const detail = event.detail as ProvidersNoneDetail
        absent = new NoProvidersError(`No source has ${detail.cid}: ${detail.edges.length === 0 ? 'no edge is configured' : `the edges answered 404 (${detail.edges.join(', ')})`}, and ${node.config.routers.length === 0 ? 'no router is configured to find others' : detail.providers.length === 0 ? 'no router lists a provider' : `the providers the routers list did not send it (${detail.providers.join(', ')})`}`)
        watchdog.abort(absent)
      }
    }
    // one response's batched CAR fetching, when an edge speaks HTTP
    // `only-if-cached`: answer from this browser's store or not at all, and say so at once
    const offline = /\bonly-if-cached\b/i.test(headers.get('cache-control') ?? '')
    if (offline && !(await node.local.has(address.cid, { signal }))) {
      finish()
      return errorToResponse(new ContentError(`${address.cid.toString()} is not in this browser's store (Cache-Control: only-if-cached)`, 412), { accept })
    }
    if (!offline && wantsWholeDag(wanted, new URLSearchParams(address.search))) {
      await warmDag(node, address, { signal })
    }
    // content other browsers announce is asked of them first (no CAR streams from the edges, which would
    // fetch it all from there), once they delivered its first block; the edges step in for blocks the peers
    // are late with
    const lookupStarted = performance.now()
    const peerFirst = !offline && !(await node.local.has(address.cid, { signal })) && await node.preferPeers(address.cid, { signal, onProgress })
    if (peerFirst) {
      timings.push(`edgeway-peers;desc="peers first";dur=${(performance.now() - lookupStarted).toFixed(1)}`)
    }
    if (node.cars.available && !offline && !peerFirst) await smallSite(node, address, { navigation: options.navigation === true, signal })
    const prefetch = node.cars.available && !offline && !peerFirst
      ? new CarPrefetch({ fetcher: node.cars, fallback: node.helia.blockstore, local: node.local, readAheadBytes: 2 * node.config.readAheadBytes, maxHeldBytes: heldLimit(node.config.readAheadBytes), segmentBytes: 8 * node.config.readAheadBytes, signal: AbortSignal.any([signal, answered.signal]), root: address.cid })
      : undefined
    const edgewayFile = offline ? undefined : await resolveFile(node, address, options.method, { signal, onProgress, prefetch, range: simpleRange(headers.get('range')), edgewayRoot: address.cid.toString() })
    const init: VerifiedFetchInit & StreamFileOptions & PeerFirstOptions & DiscoveryOptions & { blockReadConcurrency: number, redirected: boolean } = {
      method: options.method,
      headers,
      signal,
      session: false,
      redirect: options.redirect ?? 'follow',
      blockReadConcurrency: BLOCK_READ_CONCURRENCY,
      edgewayFile,
      edgewayPrefetch: prefetch,
      edgewayReadAheadBytes: node.config.readAheadBytes,
      edgewayPeerFirst: peerFirst ? { root: address.cid.toString() } : undefined,
      // providers of content the edges lack are looked up once per root, not once per block
      edgewayRoot: address.cid.toString(),
      // never verified-fetch's own _redirects handling: it applies to every path, and only signals its answers
      redirected: true,
      allowLocal: node.config.allowLocal,
      allowInsecure: node.config.allowInsecure,
      onProgress
    }
    if (!offline && await pathEndsInsideNode(node, address, { signal })) {
      finish()
      return errorToResponse(new NotSupportedError('The path goes into a field of a DAG node that is not a link; only links can be pathed through'), { accept })
    }
    response = await node.verifiedFetch(toIpfsUrl(address), init)
    if (response.status === 406 && acceptsExplicitly(wanted, 'text/html')) {
      // a browser opening a DAG-JSON/CBOR node: show it as a page
      await response.body?.cancel()
      const block = await node.verifiedFetch(toIpfsUrl(address), { ...init, method: 'GET', headers: { accept: 'application/vnd.ipld.raw' } })
      if (block.ok && isUnixfs(block.headers)) {
        // a file asked for as text/html only (not what browsers send): the file itself
        await block.body?.cancel()
        headers.set('accept', '*/*')
        response = await node.verifiedFetch(toIpfsUrl(address), { ...init, headers })
      } else {
        response = block.ok ? await presentDag(block, presentInit) : block
      }
    }
  } catch (err) {
    if (watchdog.fired) {
      return fail(unavailable())
    }
    finish()
    throw err
  }
  if (watchdog.fired) {
    await response.body?.cancel()
    return fail(unavailable())
  }
  if (response.status === 404 && options.originRoot === true) {
    const redirected = await siteRedirect(requested, async (address, init) => fetchContent(node, address, { ...options, ...init, originRoot: false }), { accept, signal })
    if (redirected != null) {
      await response.body?.cancel()
      finish()
      return redirected
    }
  }
  if (response.status >= 400) {
    return fail(await contentError(response, unavailable), response.headers)
  }
  response = await presentDirectory(response, presentInit) ?? response
  if (response.status === 301 && response.headers.get('location')?.startsWith('ipfs://') === true) {
    // a directory asked for without its trailing slash: the same URL with one, as the client wrote it
    response = new Response(null, { status: 301, headers: response.headers })
    response.headers.set('location', toGatewayPath({ ...requested, path: `${requested.path}/` }))
  }
  if (response.body == null) {
    finish()
    return withHeaders(response, null, nameHeaders(sourceHeaders(tally, started, response.headers, address, timings), requested, name))
  }

  // Wait for the first bytes so the headers report the blocks that produced them.
  const reader = response.body.getReader()
  let first: ReadableStreamReadResult<Uint8Array>
  try {
    first = await reader.read()
  } catch (err) {
    return fail(watchdog.fired ? unavailable() : err)
  }
  const responseHeaders = nameHeaders(sourceHeaders(tally, started, response.headers, address, timings), requested, name)
  const body = new ReadableStream<Uint8Array>({
    start (controller) {
      if (first.done === true) {
        finish()
        controller.close()
      } else {
        controller.enqueue(first.value)
      }
    },
    async pull (controller) {
      try {
        const { done, value } = await reader.read()
        watchdog.touch()
        if (done) {
          finish()
          controller.close()
        } else {
          controller.enqueue(value)
        }
      } catch (err) {
        finish()
        controller.error(watchdog.fired ? unavailable() : err)
      }
    },
    async cancel (reason) {
      // the reader went away: stop fetching blocks for it
      watchdog.abort(reason)
      finish()
      await reader.cancel(reason).catch(() => {})
    }
  })
  return withHeaders(response, first.done === true ? null : body, responseHeaders)
}

/**
 * The most a response holds of blocks delivered and not yet read: what runs
 * ahead of the reader plus the blocks at a window's edges, with room to
 * spare. More is an edge sending what nobody asked for.
 */
function heldLimit (window: number): number {
  return 4 * window + 4 * 1024 * 1024
}

/** `bytes=N-` or `bytes=N-M` as a range to fetch; anything else (suffix, multi) fetches the whole file. */
function simpleRange (range: string | null): { from: number, to: number | '*' } | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(range?.trim() ?? '')
  if (match == null) {
    return undefined
  }
  const from = Number(match[1])
  const to = match[2] === '' ? '*' : Number(match[2])
  return Number.isSafeInteger(from) && (to === '*' || (Number.isSafeInteger(to) && to >= from)) ? { from, to } : undefined
}

/** The node a response is about (the last of its roots) is UnixFS: dag-pb or raw. */
function isUnixfs (headers: Headers): boolean {
  const roots = (headers.get('x-ipfs-roots') ?? '').split(',')
  try {
    const code = CID.parse(roots[roots.length - 1] ?? '').code
    return code === 0x70 || code === 0x55
  } catch {
    return false
  }
}

/** verified-fetch's own error responses, as Edgeway's typed errors. */
async function contentError (response: Response, unavailable: () => EdgewayError): Promise<Error> {
  const detail = (await response.text()).slice(0, 500) || response.statusText
  switch (response.status) {
    case 400: return new InvalidRequestError(detail)
    case 404: return new NotInDagError(detail)
    case 504: return unavailable()
    default: return new ContentError(detail, response.status)
  }
}

function sourceHeaders (tally: Pick<SourceTally, 'counts' | 'bytes'>, started: number, from?: Headers, address?: ContentAddress, timings: string[] = []): Headers {
  const headers = new Headers(from)
  headers.set('X-Edgeway-Source', formatSourceHeader(tally.counts))
  headers.set('X-Edgeway-Bytes', formatSourceHeader(tally.bytes))
  const timing = [`edgeway;desc="first byte";dur=${(performance.now() - started).toFixed(1)}`, ...timings].join(', ')
  const existing = headers.get('Server-Timing')
  headers.set('Server-Timing', existing == null || existing === '' ? timing : `${existing}, ${timing}`)
  if (address != null) {
    // the path as requested, percent-encoded: always a valid header value
    headers.set('X-Ipfs-Path', `/ipfs/${address.cid.toString()}${address.path}`)
  }
  const expose = headers.get('Access-Control-Expose-Headers')
  headers.set('Access-Control-Expose-Headers', [expose, 'X-Edgeway-Source', 'X-Edgeway-Bytes', 'Server-Timing', 'Etag'].filter(Boolean).join(', '))
  return headers
}

function withHeaders (response: Response, body: ReadableStream<Uint8Array> | null, headers: Headers): Response {
  return new Response(body, { status: response.status, statusText: response.statusText, headers })
}
