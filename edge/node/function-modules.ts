import { exporter } from 'ipfs-unixfs-exporter'
import { raceSignal } from 'race-signal'
import { moduleNotTextMessage, moduleTooLargeMessage } from '../../src/functions/defaults.ts'
import { BadRequestError, NotFoundError, PayloadTooLargeError } from './errors.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface FunctionModulesInit {
  /** Bytes of one module's source */
  maxModuleBytes: number
  /** Bytes of all sources kept, together */
  cacheBytes: number
}

/**
 * Reads function modules out of the edge's own blocks: a UnixFS file (or a
 * single raw block) of UTF-8 text, up to `maxModuleBytes`. Every block was
 * hashed against its CID when the edge took it in, so the source is the code
 * the CID names. Sources are kept by CID, least recently used out first,
 * within `cacheBytes`.
 */
export class FunctionModules {
  private readonly blockstore: Blockstore
  private readonly init: FunctionModulesInit
  /** Map order is use order */
  private readonly sources = new Map<string, { source: string, bytes: number }>()
  private cachedBytes = 0
  /** Reads in flight, by CID: callers that come together share one, given up when the last of them goes */
  private readonly loading = new Map<string, { source: Promise<string>, waiting: number, stop: AbortController }>()

  constructor (blockstore: Blockstore, init: FunctionModulesInit) {
    this.blockstore = blockstore
    this.init = init
  }

  /** A source read before and kept, at once; else undefined (then `load` it) */
  cached (cid: CID): string | undefined {
    const key = cid.toString()
    const cached = this.sources.get(key)
    if (cached != null) {
      this.sources.delete(key)
      this.sources.set(key, cached)
    }
    return cached?.source
  }

  async load (cid: CID, options: AbortOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    const key = cid.toString()
    const cached = this.cached(cid)
    if (cached != null) {
      return cached
    }

    let loading = this.loading.get(key)
    if (loading == null) {
      const stop = new AbortController()
      const started = { source: this.readSource(cid, { signal: stop.signal }), waiting: 0, stop }
      const done = (): void => { if (this.loading.get(key) === started) this.loading.delete(key) }
      started.source.then(done, done)
      this.loading.set(key, started)
      loading = started
    }
    loading.waiting++
    try {
      return await raceSignal(loading.source, options.signal)
    } finally {
      if (--loading.waiting === 0) {
        // a caller that comes after starts a read of its own, not one being given up
        loading.stop.abort()
        if (this.loading.get(key) === loading) this.loading.delete(key)
      }
    }
  }

  private async readSource (cid: CID, options: AbortOptions): Promise<string> {
    const bytes = await this.read(cid, options)
    let source: string
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw new BadRequestError(moduleNotTextMessage(cid.toString()))
    }
    this.keep(cid.toString(), source, bytes.byteLength)
    return source
  }

  private async read (cid: CID, options: AbortOptions): Promise<Uint8Array> {
    // a CID the route took: a hash of the code (never an identity CID), raw or dag-pb (`parseFunctionCid`)
    if (!(await this.blockstore.has(cid, options))) {
      throw new NotFoundError(`this edge does not hold ${cid}`)
    }
    let entry: Awaited<ReturnType<typeof exporter>>
    try {
      entry = await exporter(cid, this.blockstore, options)
    } catch (err: any) {
      // blocks are kept by their hash: one held as raw bytes, asked for as dag-pb, is not a UnixFS node
      if (err.name === 'NotUnixFSError') {
        throw new BadRequestError(`${cid} is not a function module: its block is not a UnixFS node`)
      }
      throw err
    }
    if (entry.type !== 'file' && entry.type !== 'raw') {
      throw new BadRequestError(`${cid} is not a function module: it is a ${entry.type === 'directory' ? 'directory' : 'structured data node'}, not a file`)
    }
    if (entry.size > BigInt(this.init.maxModuleBytes)) {
      throw new PayloadTooLargeError(moduleTooLargeMessage(cid.toString(), this.init.maxModuleBytes))
    }
    const chunks: Uint8Array[] = []
    let size = 0
    try {
      for await (const chunk of entry.content(options)) {
        size += chunk.byteLength
        if (size > this.init.maxModuleBytes) {
          throw new PayloadTooLargeError(moduleTooLargeMessage(cid.toString(), this.init.maxModuleBytes))
        }
        chunks.push(chunk)
      }
    } catch (err: any) {
      if (err.name === 'NotFoundError') {
        throw new NotFoundError(`this edge holds only part of ${cid}`)
      }
      throw err
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
  }

  private keep (key: string, source: string, bytes: number): void {
    if (bytes > this.init.cacheBytes) return
    this.cachedBytes += bytes - (this.sources.get(key)?.bytes ?? 0)
    this.sources.delete(key)
    this.sources.set(key, { source, bytes })
    for (const [oldest, { bytes: size }] of this.sources) {
      if (this.cachedBytes <= this.init.cacheBytes) break
      this.sources.delete(oldest)
      this.cachedBytes -= size
    }
  }
}
