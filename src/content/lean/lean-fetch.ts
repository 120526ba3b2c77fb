import { CID } from 'multiformats/cid'
import { MAX_IDENTITY_DIGEST_BYTES, canVerify } from '../../lib/hash-matches.ts'
import { contentTypeOf } from '../../lib/content-type.ts'
import { errorToResponse } from '../../lib/error-to-response.ts'
import { NoProvidersError, NotInDagError } from '../../lib/errors.ts'
import { formatSourceHeader } from '../../lib/source-tally.ts'
import { EdgeCarFetcher } from '../../node/edge-car-fetcher.ts'
import { edgeIdleMs } from '../../node/edge-idle-limit.ts'
import { CarBlocks } from './car-blocks.ts'
import { HandOverError, walkPath } from './unixfs-walk.ts'
import type { EdgewayConfig } from '../../lib/config.ts'
import type { SourceUseListener } from '../../lib/source-tally.ts'
import type { SourceCounts } from '../../lib/types.ts'
import type { EdgeHealth } from '../../node/edge-health-tracker.ts'
import type { WalkEntry } from './unixfs-walk.ts'
import type { Blockstore } from 'interface-blockstore'

export interface LeanFetchComponents {
  config: Pick<EdgewayConfig, 'edges' | 'timeoutMs'>
  store: Blockstore
  health: EdgeHealth
}

export interface LeanFetchInit {
  method?: string
  headers: Headers
  /** Only `follow` (the default) is the lean path's: the full engine answers the others */
  redirect?: RequestRedirect
  /** `only-if-cached` is the full engine's (it answers 412 for what the store lacks) */
  cache?: RequestCache
  signal?: AbortSignal
  onUse?: SourceUseListener
}

/**
 * Answers a request, or `undefined` when the full engine should: a request the
 * lean path does not do, or content the edges do not have when the client
 * has other ways to find it (`handsOver`).
 */
export type LeanFetch = (resource: string | URL, init: LeanFetchInit) => Promise<Response | undefined>

/** `ipfs://<cid>[/<path>]` or `/ipfs/<cid>[/<path>]`, a CID as CIDs are written (base32 v1, base58 v0), no query. */
const LEAN_ADDRESS = /^(?:ipfs:\/\/|\/ipfs\/)(b[a-z2-7]{20,}|Qm[1-9A-HJ-NP-Za-km-z]{44})(\/[^?#]*)?$/

/**
 * `Accept` types the full engine answers differently for the same content
 * (IPLD formats, CAR, TAR, and JSON or CBOR, which it negotiates for dag-pb
 * and raw blocks): those requests are handed over.
 */
const HANDED_OVER_TYPES = /vnd\.ipld|vnd\.ipfs|x-tar|json|cbor/i

/** Blocks of a file the walk asks for at once, ahead of the reader. */
const READ_AHEAD = 8

/**
 * The SDK's fetch for what a dApp asks for most: a file, or a directory's
 * `index.html`, under an immutable address. One CAR of the entity from the
 * best edge by health (hedged, failed over, every block checked against its
 * CID: `EdgeCarFetcher`, as the SW's CAR path), walked (`unixfs-walk.ts`),
 * kept in the local store. It leaves out Helia and verified-fetch, which is
 * why a dApp verifies content with the core and this path within 60 KiB of
 * script instead of ~360 KiB (e2e/bundle-size.spec.ts); names, formats,
 * ranges, listings, DAG-CBOR and peers are the full engine's.
 */
export function createLeanFetch ({ config, store, health }: LeanFetchComponents, handsOver: () => boolean): LeanFetch {
  const cars = new EdgeCarFetcher(config.edges, { health, idleMs: edgeIdleMs(config.timeoutMs) })
  const edges = config.edges.filter(edge => edge.http != null).length
  return async (resource, init) => {
    const address = leanAddress(resource, init)
    if (address == null) {
      return undefined
    }
    const session = new AbortController()
    const signal = init.signal == null ? session.signal : AbortSignal.any([session.signal, init.signal])
    const counts: SourceCounts = { cache: 0, edge: 0, peer: 0 }
    const bytes: SourceCounts = { cache: 0, edge: 0, peer: 0 }
    const blocks = new CarBlocks({
      cars,
      edges,
      store,
      timeoutMs: config.timeoutMs,
      signal,
      onUse: (source, size) => {
        counts[source]++
        bytes[source] += size
        init.onUse?.(source, 1, size)
      }
    })
    try {
      const { cid, segments, trailingSlash } = address
      blocks.aim({ cid, path: encodePath(segments) })
      let entry = await walkPath(cid, segments, blocks, { signal })
      let filename = segments.at(-1) ?? ''
      if (entry.kind === 'directory') {
        // a directory asked for as one (`…/`) is its index.html; without the slash the full engine redirects
        if (!trailingSlash && segments.length > 0) {
          session.abort()
          return undefined
        }
        blocks.aim({ cid, path: encodePath([...segments, 'index.html']) })
        const directory = entry
        entry = await walkPath(entry.cid, ['index.html'], blocks, { signal }).catch((err: unknown) => {
          if (err instanceof NotInDagError) return directory
          throw err
        })
        filename = 'index.html'
      }
      if (entry.kind !== 'file') {
        // a listing, a DAG-CBOR or JSON node: the full engine renders those
        session.abort()
        return undefined
      }
      return await respond(entry, filename, { path: `/ipfs/${cid.toString()}${address.path}`, head: init.method === 'HEAD', counts, bytes, signal, done: () => { session.abort() } })
    } catch (err) {
      session.abort()
      init.signal?.throwIfAborted()
      if (err instanceof HandOverError || (err instanceof NoProvidersError && handsOver())) {
        return undefined
      }
      return errorToResponse(err, { accept: init.headers.get('accept'), headers: sourceHeaders(counts, bytes) })
    }
  }
}

interface LeanAddress {
  cid: CID
  /** The raw (percent-encoded) path after the CID */
  path: string
  /** The path's segments, decoded */
  segments: string[]
  trailingSlash: boolean
}

/** The address, when the request is one the lean path answers: GET or HEAD of the whole entity, in its own format. */
function leanAddress (resource: string | URL, init: LeanFetchInit): LeanAddress | undefined {
  const method = init.method ?? 'GET'
  const accept = init.headers.get('accept') ?? '*/*'
  if ((method !== 'GET' && method !== 'HEAD') || init.headers.has('range') || HANDED_OVER_TYPES.test(accept) ||
    init.headers.has('if-none-match') || init.headers.has('if-modified-since') || (init.redirect ?? 'follow') !== 'follow' ||
    init.cache === 'only-if-cached' || /only-if-cached/i.test(init.headers.get('cache-control') ?? '')) {
    return undefined
  }
  // as the URL parser reads it (percent-encoded, tabs and newlines dropped, `\` a slash), as the full engine does
  let url: URL
  try {
    url = new URL(String(resource), 'http://lean.invalid')
  } catch {
    return undefined
  }
  const text = url.protocol === 'ipfs:' ? `ipfs://${url.host}${url.pathname}` : url.origin === 'http://lean.invalid' ? url.pathname : ''
  const match = url.search === '' ? LEAN_ADDRESS.exec(text) : null
  if (match == null) {
    return undefined
  }
  let cid: CID
  let segments: string[]
  try {
    cid = CID.parse(match[1])
    segments = (match[2] ?? '').split('/').filter(segment => segment !== '').map(segment => decodeURIComponent(segment))
  } catch {
    return undefined
  }
  if (!canVerify(cid.multihash.code) || cid.multihash.digest.byteLength > MAX_IDENTITY_DIGEST_BYTES || segments.some(segment => segment.includes('/') || segment === '.' || segment === '..')) {
    return undefined
  }
  const path = match[2] ?? ''
  return { cid, path, segments, trailingSlash: path.endsWith('/') }
}

function encodePath (segments: string[]): string {
  return segments.map(segment => `/${encodeURIComponent(segment)}`).join('')
}

interface RespondOptions {
  path: string
  head: boolean
  counts: SourceCounts
  bytes: SourceCounts
  signal: AbortSignal
  /** The body was read to its end, or cancelled */
  done(): void
}

/** The first bytes a type is told by, as the full engine reads them */
const SNIFF_BYTES = 4096

/** A file's response: headers once its first bytes (which name its type) are verified, then its body as the reader pulls. */
async function respond (entry: Extract<WalkEntry, { kind: 'file' }>, filename: string, { path, head, counts, bytes, signal, done }: RespondOptions): Promise<Response> {
  const content = entry.content({ signal, readAhead: READ_AHEAD })[Symbol.asyncIterator]()
  const first = await content.next()
  const firstBytes = first.done === true ? new Uint8Array(0) : first.value
  const headers = sourceHeaders(counts, bytes, {
    'Content-Type': contentTypeOf(filename, firstBytes.subarray(0, SNIFF_BYTES)),
    'Content-Length': String(entry.size),
    ETag: `"${entry.cid.toString()}"`,
    'Cache-Control': 'public, max-age=29030400, immutable',
    'Accept-Ranges': 'bytes',
    'X-Ipfs-Path': path
  })
  if (head || first.done === true) {
    await content.return?.(undefined)
    done()
    return new Response(null, { status: 200, headers })
  }
  let pending: Uint8Array | undefined = firstBytes
  const body = new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (pending != null) {
        controller.enqueue(pending)
        pending = undefined
        return
      }
      try {
        const next = await content.next()
        if (next.done === true) {
          controller.close()
          done()
        } else {
          controller.enqueue(next.value)
        }
      } catch (err) {
        // the rest could not be verified or fetched: the body breaks off rather than end short
        controller.error(err)
        done()
      }
    },
    async cancel () {
      done()
      await content.return?.(undefined)
    }
  }, { highWaterMark: 0 })
  return new Response(body, { status: 200, headers })
}

/** What the response used so far, blocks and bytes by source, as every Edgeway answer says it */
function sourceHeaders (counts: SourceCounts, bytes: SourceCounts, init: Record<string, string> = {}): Headers {
  const headers = new Headers(init)
  headers.set('X-Edgeway-Source', formatSourceHeader(counts))
  headers.set('X-Edgeway-Bytes', formatSourceHeader(bytes))
  return headers
}
