import { splitSubdomainHost } from './subdomain-gateway.ts'

/**
 * How a service worker answers content it has read before:
 * - `verified-files`: a whole file, hashed block by block on its way in, is
 *   kept as one Response in Cache Storage and answered from there again, with
 *   no hashing and no JavaScript in the data path;
 * - `re-verify`: every read goes back to the block store, and every block is
 *   hashed again before it is used.
 */
export type WarmReadMode = 'verified-files' | 're-verify'

export interface WarmReadOrigin {
  /** The host (with port) the service worker runs on */
  host: string
  /**
   * The origin's configuration says that only Edgeway's own code runs there
   * (`verifiedFiles` in edgeway.json, which the gateway server sets for its
   * own origin)
   */
  verifiedFiles: boolean
}

/**
 * The one place that decides the warm-read mode. Answering kept bytes without
 * hashing them again is safe only where nothing but Edgeway can write the
 * origin's Cache Storage and IndexedDB:
 * - the gateway server's own origin runs no content script: in subdomain
 *   mode a navigation to `/ipfs/…` there is redirected to the root's own
 *   origin (by the SW, and by the server before the SW is installed), and in
 *   path mode content is answered under a CSP sandbox without
 *   `allow-scripts` (content-sandbox.ts), so no script of it runs at all;
 *   its only scripts are the gateway page and the SW, both Edgeway's;
 * - a root's own origin (`<cid>.ipfs.<gateway>`) is the site's: its scripts
 *   can write that origin's storage, so there every block is hashed again;
 * - a dApp's origin (the SDK's SW) runs the dApp's scripts and whatever they
 *   load, so there too every block is hashed again. Its edgeway.json is the
 *   dApp's and does not set `verifiedFiles`, and the flag counts nowhere but
 *   on an origin that is no content root's.
 */
export function warmReadMode (origin: WarmReadOrigin): WarmReadMode {
  if (splitSubdomainHost(origin.host) != null) {
    return 're-verify'
  }
  return origin.verifiedFiles ? 'verified-files' : 're-verify'
}

const MiB = 1024 * 1024

/** Share of the cache budget whole verified files may take; the rest is the block store's. */
export const VERIFIED_FILES_SHARE = 0.25

/**
 * The largest file kept whole. Larger files (long videos, disk images) are
 * read in ranges and seldom whole twice, and one of them would push every
 * other file out.
 */
export const MAX_VERIFIED_FILE_BYTES = 256 * MiB

/** The most files the index holds, whatever their size: the index is read whole to evict. */
export const MAX_VERIFIED_FILES = 2048

/** Bytes kept whole files may take under a cache budget. */
export function verifiedFilesBudget (cacheBudgetBytes: number): number {
  return Math.max(0, Math.floor(cacheBudgetBytes * VERIFIED_FILES_SHARE))
}

/** The largest file kept under a cache budget. */
export function maxVerifiedFileBytes (cacheBudgetBytes: number): number {
  return Math.min(MAX_VERIFIED_FILE_BYTES, verifiedFilesBudget(cacheBudgetBytes))
}

/** Accept types that ask for something other than the file's own bytes: blocks, CARs, TARs, DAG forms, IPNS records. */
const PRESENTATION_TYPES = /application\/(vnd\.ipld\.|vnd\.ipfs\.|x-tar|json|cbor)/i

/**
 * A request whose answer is a file's own bytes under an immutable path, and
 * so may be answered from a kept file (and, when it is a plain GET, keep one):
 * GET or HEAD on `/ipfs/` with no query (`format`, `filename`, `download`
 * change the answer) and no Accept that asks for another representation.
 */
export function isFileRequest (method: string, pathname: string, search: string, accept: string | null): boolean {
  return (method === 'GET' || method === 'HEAD') &&
    /^\/ipfs\/[^/]+/.test(pathname) &&
    search === '' &&
    !PRESENTATION_TYPES.test(accept ?? '')
}

/**
 * A response that is a whole file's own bytes: a full 200 whose Etag is a
 * bare CID (a directory listing, a rendered DAG node or a block have
 * another), immutable.
 */
export function isWholeFileResponse (status: number, headers: Headers): boolean {
  return status === 200 &&
    headers.get('content-range') == null &&
    /^"[a-z0-9]+"$/i.test(headers.get('etag') ?? '') &&
    /\bimmutable\b/.test(headers.get('cache-control') ?? '')
}

/** Byte positions of a satisfiable single range, inclusive. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * A `Range` header naming one satisfiable range of a `size`-byte file:
 * `bytes=a-b`, `bytes=a-`, `bytes=-n`. Null for anything else (several
 * ranges, other units, unsatisfiable, malformed): those are the normal
 * path's to answer (multipart, 416, 400).
 */
export function singleRange (header: string, size: number): ByteRange | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match == null || (match[1] === '' && match[2] === '') || size === 0) {
    return null
  }
  const [, first, last] = match
  if (first === '') {
    const suffix = Number(last)
    return suffix > 0 ? { start: Math.max(0, size - suffix), end: size - 1 } : null
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return Number.isSafeInteger(start) && start < size && end >= start ? { start, end } : null
}

/** One kept file as the index records it. */
export interface KeptFile {
  /** The content path it answers (`/ipfs/<cid>/<path>`) */
  path: string
  bytes: number
  /** Blocks the file was made of, for the source counts of its answers */
  blocks: number
  /** Last answered or kept, ms since the epoch */
  usedAt: number
}

/**
 * Paths to drop so the kept files fit `budgetBytes` and `MAX_VERIFIED_FILES`
 * with `incoming` bytes added: least recently used first.
 */
export function filesToDrop (files: readonly KeptFile[], budgetBytes: number, incoming = 0): string[] {
  const byAge = [...files].sort((a, b) => a.usedAt - b.usedAt)
  let total = files.reduce((sum, file) => sum + file.bytes, 0) + incoming
  let count = files.length + (incoming > 0 ? 1 : 0)
  const drop: string[] = []
  for (const file of byAge) {
    if (total <= budgetBytes && count <= MAX_VERIFIED_FILES) {
      break
    }
    drop.push(file.path)
    total -= file.bytes
    count--
  }
  return drop
}
