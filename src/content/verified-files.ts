import { openDB } from 'idb'
import { formatSourceHeader, parseSourceHeader } from '../lib/source-tally.ts'
import { filesToDrop, maxVerifiedFileBytes, singleRange, verifiedFilesBudget } from '../lib/verified-file-rules.ts'
import { keepWhileReading } from './keep-while-reading.ts'
import { matchesEtag } from './gateway/present.ts'
import type { KeptFile } from '../lib/verified-file-rules.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { DBSchema, IDBPDatabase } from 'idb'

/** The Cache Storage cache holding whole verified files as Responses. */
export const VERIFIED_FILES_CACHE = 'edgeway-verified-files'
/** The index of what that cache holds (size, blocks, last use), apart from the block store so neither's upgrades wait on the other. */
export const VERIFIED_FILES_DB = 'edgeway-verified-files'
const DB_VERSION = 1
const FILES = 'files'

interface FilesSchema extends DBSchema {
  [FILES]: { key: string, value: KeptFile }
}

type FilesDb = IDBPDatabase<FilesSchema>

export interface VerifiedFilesInit {
  caches: CacheStorage
  /** The origin the SW answers on; cache keys are its content paths */
  origin: string
  /** The origin's cache budget in bytes: kept files take a share of it */
  budget(options?: AbortOptions): Promise<number>
  /** Kept files now take `bytes` in all: the block store leaves them that much of the budget */
  onKeptBytes?(bytes: number): Promise<void>
}

/** An answer from a kept file, with the blocks to count for it. */
export interface KeptAnswer {
  response: Response
  blocks: number
  bytes: number
}

/**
 * Whole files that were verified block by block as they streamed to a
 * reader, kept as complete Responses so a later read is answered by the
 * browser from Cache Storage: no block store reads, no hashing, no
 * JavaScript in the data path. Only for origins where nothing but Edgeway
 * writes storage (`warmReadMode` in verified-file-rules.ts decides).
 *
 * The index (size, blocks, last use) is what eviction reads; an answer needs
 * only the cache entry, which is put once whole with its final headers and
 * deleted before its index entry.
 */
export class VerifiedFiles {
  private readonly init: VerifiedFilesInit
  private db?: Promise<FilesDb>
  private opened?: Promise<Cache>
  /**
   * The paths indexed when this instance first looked, and those it kept
   * since (at most the index's bound): a path not in it is not looked up in
   * the cache, which spares every cold read that lookup. Only the SW keeps
   * files, so a path missing here was not kept; one here may have been
   * dropped meanwhile (the cache then says so).
   */
  private indexed?: Promise<Set<string>>

  constructor (init: VerifiedFilesInit) {
    this.init = init
  }

  /**
   * Answers a file request (`isFileRequest`) from a kept file: GET, HEAD,
   * If-None-Match (304) and one satisfiable range (206). Undefined when the
   * file is not kept or the request is for the normal path (several ranges,
   * an unsatisfiable one).
   */
  async answer (request: Request, path: string, options: AbortOptions = {}): Promise<KeptAnswer | undefined> {
    options.signal?.throwIfAborted()
    if (!(await this.paths()).has(path)) {
      return undefined
    }
    // then the cache decides, so an answer waits for one lookup: entries are put only once whole and
    // indexed, and dropped before their index entries (`trim`)
    const cached = await (await this.cache()).match(this.key(path), { ignoreVary: true })
    if (cached == null) {
      return undefined
    }
    const file = {
      bytes: Number(cached.headers.get('content-length')),
      blocks: parseSourceHeader(cached.headers.get('x-edgeway-source'))?.cache ?? 0
    }
    const range = request.headers.get('range')
    const slice = range == null ? undefined : singleRange(range, file.bytes)
    if (range != null && slice == null) {
      await cached.body?.cancel()
      return undefined
    }
    // recorded behind the answer: a lost touch only makes the file look older
    void this.touch(path).catch(() => {})
    if (matchesEtag(request.headers.get('if-none-match'), cached.headers.get('etag'))) {
      await cached.body?.cancel()
      return { response: new Response(null, { status: 304, headers: cached.headers }), blocks: 0, bytes: 0 }
    }
    if (request.method === 'HEAD') {
      await cached.body?.cancel()
      return { response: new Response(null, { status: 200, headers: cached.headers }), blocks: 0, bytes: 0 }
    }
    if (slice == null) {
      // as the cache gives it: the browser streams the body, no JavaScript reads it
      return { response: cached, blocks: file.blocks, bytes: file.bytes }
    }
    const length = slice.end - slice.start + 1
    const headers = new Headers(cached.headers)
    headers.set('content-range', `bytes ${slice.start}-${slice.end}/${file.bytes}`)
    headers.set('content-length', String(length))
    const body = (await cached.blob()).slice(slice.start, slice.end + 1)
    return { response: new Response(body, { status: 206, headers }), blocks: Math.ceil(file.blocks * length / file.bytes), bytes: length }
  }

  /**
   * Returns `response` with a body that, as the reader reads it, is also
   * written to the cache, and indexed once whole. A reader that stops early,
   * a failed stream or a file over the size limit leaves nothing kept.
   * `blocks` is read once the body has ended. `waitUntil` keeps the SW alive
   * while the copy is written.
   */
  async keep (path: string, response: Response, blocks: () => number, waitUntil: (promise: Promise<unknown>) => void): Promise<Response> {
    if (response.body == null) {
      return response
    }
    const maxBytes = maxVerifiedFileBytes(await this.init.budget())
    const length = Number(response.headers.get('content-length') ?? Number.NaN)
    if (maxBytes === 0 || length > maxBytes) {
      return response
    }
    const split = keepWhileReading(response.body, maxBytes)
    const headers = new Headers(response.headers)
    waitUntil(this.write(path, split.kept, headers, split.bytes, blocks).catch(() => {}))
    return new Response(split.body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }

  /** Drops the least recently used files until the rest fit the share of `cacheBudgetBytes` (all of them for 0). */
  async trim (cacheBudgetBytes: number, incoming = 0): Promise<void> {
    const db = await this.open()
    const files = await db.getAll(FILES)
    const drop = new Set(filesToDrop(files, verifiedFilesBudget(cacheBudgetBytes), incoming))
    const cache = await this.cache()
    for (const path of drop) {
      // the cache entry first: it is what answers
      await cache.delete(this.key(path))
      await db.delete(FILES, path)
      this.forget(path)
    }
    await this.init.onKeptBytes?.(files.reduce((sum, file) => drop.has(file.path) ? sum : sum + file.bytes, 0))
  }

  private async touch (path: string): Promise<void> {
    const tx = (await this.open()).transaction(FILES, 'readwrite', { durability: 'relaxed' })
    const file = await tx.store.get(path)
    if (file != null) {
      await tx.store.put({ ...file, usedAt: Date.now() })
    }
    await tx.done
  }

  private async cache (): Promise<Cache> {
    this.opened ??= this.init.caches.open(VERIFIED_FILES_CACHE).catch(err => {
      this.opened = undefined
      throw err
    })
    return this.opened
  }

  private async write (path: string, kept: ReadableStream<Uint8Array>, from: Headers, bytes: () => number, blocks: () => number): Promise<void> {
    const cache = await this.cache()
    // streamed to disk as it is read, under a key no answer looks up (answers have no query): the body's block count, which the
    // answers' headers carry, is known only once it ended. A failed or cancelled stream rejects the put
    // and leaves no entry
    const pending = `${this.key(path)}?pending=${crypto.randomUUID()}`
    try {
      await cache.put(pending, new Response(kept, { status: 200, headers: from }))
      const written = await cache.match(pending)
      if (written == null) {
        return
      }
      // a Blob of a cache entry refers to its bytes on disk: put again with the final headers, the
      // stored Response is answered as it is, never re-wrapped
      const body = await written.blob()
      const budget = await this.init.budget()
      if (body.size !== bytes() || body.size > maxVerifiedFileBytes(budget)) {
        return
      }
      await this.trim(budget, body.size)
      // indexed first, so every entry that can answer counts against the bound
      const db = await this.open()
      await db.put(FILES, { path, bytes: body.size, blocks: blocks(), usedAt: Date.now() })
      const paths = await this.paths()
      paths.add(path)
      await cache.put(this.key(path), new Response(body, { status: 200, headers: keptHeaders(from, blocks(), body.size) }))
      if (await db.get(FILES, path) == null) {
        // trimmed (the budget was lowered) while it was being put
        await cache.delete(this.key(path))
        this.forget(path)
      }
      // others may have kept files meanwhile
      await this.trim(budget)
    } finally {
      await cache.delete(pending).catch(() => false)
    }
  }

  private async paths (): Promise<Set<string>> {
    this.indexed ??= this.open().then(async db => new Set(await db.getAllKeys(FILES))).catch(err => {
      this.indexed = undefined
      throw err
    })
    return this.indexed
  }

  private forget (path: string): void {
    void this.indexed?.then(paths => paths.delete(path)).catch(() => {})
  }

  private key (path: string): string {
    return new URL(path, this.init.origin).href
  }

  private async open (): Promise<FilesDb> {
    this.db ??= openVerifiedFilesDb().catch(err => {
      this.db = undefined
      throw err
    })
    return this.db
  }
}

/**
 * Trims the kept files to the share of a new cache budget: the gateway page
 * and the SDK call this when the user sets the budget (0 empties them).
 * A no-op where Cache Storage is missing.
 */
export async function trimVerifiedFiles (cacheBudgetBytes: number, options: AbortOptions & Pick<VerifiedFilesInit, 'onKeptBytes'> = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const caches = globalThis.caches
  if (caches == null) {
    return
  }
  await new VerifiedFiles({ caches, origin: globalThis.location.origin, budget: async () => cacheBudgetBytes, onKeptBytes: options.onKeptBytes }).trim(cacheBudgetBytes)
}

async function openVerifiedFilesDb (): Promise<FilesDb> {
  const db = await openDB<FilesSchema>(VERIFIED_FILES_DB, DB_VERSION, {
    upgrade (db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore(FILES, { keyPath: 'path' })
      }
    }
  })
  // a newer version elsewhere (a page or SW updated first) must not wait on this connection
  db.addEventListener('versionchange', () => { db.close() })
  return db
}

/**
 * What a kept file is answered with: the original's headers (Etag, X-Ipfs-Path,
 * X-Ipfs-Roots, Content-Type, Cache-Control, the sandbox), its blocks counted
 * as this browser's, and a Server-Timing entry naming where it came from.
 */
function keptHeaders (from: Headers, blocks: number, bytes: number): Headers {
  const headers = new Headers(from)
  headers.set('X-Edgeway-Source', formatSourceHeader({ cache: blocks, edge: 0, peer: 0 }))
  headers.set('X-Edgeway-Bytes', formatSourceHeader({ cache: bytes, edge: 0, peer: 0 }))
  headers.set('Server-Timing', 'edgeway-files;desc="verified files"')
  headers.set('Content-Length', String(bytes))
  return headers
}
