import { MEDIA_TYPE_DAG_PB, MEDIA_TYPE_OCTET_STREAM } from '@helia/verified-fetch'
import { exporter } from 'ipfs-unixfs-exporter'
import { concat } from 'uint8arrays/concat'
import type { PluginContext, PluginOptions, VerifiedFetchPlugin, VerifiedFetchPluginFactory } from '@helia/verified-fetch'
import type { CarPrefetch, ReadableBlocks } from './car-prefetch.ts'
import type { CID } from 'multiformats/cid'

/** Windows being fetched at once: the one being read and those after it. */
const WINDOWS_IN_FLIGHT = 2

/** Bytes read to detect a file's content type. */
const SNIFF_BYTES = 4096

/** Fields fetchContent adds to verified-fetch's options for this plugin. */
export interface StreamFileOptions {
  /** The terminal element, known beforehand to be a UnixFS file */
  edgewayFile?: CID
  /** How many bytes past the reader's position may be fetched */
  edgewayReadAheadBytes?: number
  /** Batched fetching for this response: each window's blocks come as one CAR */
  edgewayPrefetch?: CarPrefetch
}

/**
 * Serves UnixFS files so that blocks are fetched only a window ahead of the
 * reader. verified-fetch's own file path walks the whole DAG as soon as the
 * body exists (and once more to sniff the type), holding every block of a
 * large file in memory whether anyone reads or not. Here the body pulls one
 * window at a time, with the next window's fetch started before the current
 * one is drained, so memory stays bounded and the sources stay busy.
 *
 * It takes only what it is sure of: a file (fetchContent resolved the path
 * first), asked for as itself, whole or as one range. Everything else
 * (directories, other formats, multi-range) goes to verified-fetch's plugins.
 */
export function streamFilePlugin (): VerifiedFetchPluginFactory {
  return (options: PluginOptions) => new StreamFilePlugin(options)
}

class StreamFilePlugin implements VerifiedFetchPlugin {
  readonly id = 'edgeway-stream-file'
  private readonly options: PluginOptions

  constructor (options: PluginOptions) {
    this.options = options
  }

  canHandle (context: PluginContext): boolean {
    const file = (context as PluginContext & StreamFileOptions).edgewayFile
    return file != null &&
      file.equals(context.terminalElement.cid) &&
      (context.range == null || context.range.ranges.length === 1) &&
      (context.accept.length === 0 || context.accept.some(h => h.contentType.mediaType === MEDIA_TYPE_OCTET_STREAM || h.contentType.mediaType === MEDIA_TYPE_DAG_PB))
  }

  async handle (context: PluginContext): Promise<Response> {
    const entry = await exporter(context.terminalElement.cid, context.blockstore, context)
    if (entry.type !== 'file') {
      throw new TypeError(`${context.terminalElement.cid} is not a file`)
    }
    if (entry.unixfs.type === 'symlink') {
      // a symlink's body is its target, as written; a gateway never follows it
      const target = entry.unixfs.data ?? new Uint8Array(0)
      return new Response(context.method === 'HEAD' ? null : target, {
        headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(target.byteLength), 'x-unixfs-type': 'symlink' }
      })
    }
    const size = Number(entry.size)
    const filename = context.url.searchParams.get('filename') ?? context.terminalElement.name
    const window = (context as PluginContext & StreamFileOptions).edgewayReadAheadBytes ?? 4 * 1024 * 1024
    const prefetch = (context as PluginContext & StreamFileOptions).edgewayPrefetch
    const fileCid = entry.cid
    // where the bytes asked for end: a stream started for a window runs to there
    let end = size
    // the blocks of one window: from the response's CAR stream when batching, else block by block
    const blocksFor = (offset: number): ReadableBlocks => prefetch?.fileView(fileCid, offset, end) ?? context.blockstore
    const read: WindowReader = async function * (offset, length) {
      const windowEntry = await exporter(fileCid, blocksFor(offset), context)
      if (windowEntry.type !== 'file') {
        throw new TypeError(`${fileCid} is not a file`)
      }
      yield * windowEntry.content({ ...context, offset, length, blockReadConcurrency: 16 })
    }
    const headers = new Headers({
      'content-disposition': `${context.url.searchParams.get('download') === 'true' ? 'attachment' : 'inline'}; ${dispositionFilename(filename)}`,
      'x-ipfs-roots': context.ipfsRoots.map(cid => cid.toV1().toString()).join(','),
      'accept-ranges': 'bytes',
      'x-unixfs-type': 'file'
    })

    const range = context.range?.ranges[0]
    if (range != null) {
      const slice = toSlice(range, size)
      if (slice == null) {
        return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } })
      }
      end = slice.offset + slice.length
      headers.set('content-type', await this.contentType(read, size, filename, true))
      headers.set('content-length', String(slice.length))
      headers.set('content-range', `bytes ${slice.offset}-${slice.offset + slice.length - 1}/${size}`)
      return new Response(context.method === 'HEAD' ? null : windowedStream(read, slice.offset, slice.length, window), { status: 206, headers })
    }
    headers.set('content-type', await this.contentType(read, size, filename, false))
    headers.set('content-length', String(size))
    return new Response(context.method === 'HEAD' || size === 0 ? null : windowedStream(read, 0, size, window), { status: 200, headers })
  }

  /** From the file name and the first bytes, read on their own (not the whole file). */
  private async contentType (read: WindowReader, size: number, filename: string, isRange: boolean): Promise<string> {
    if (isRange || this.options.contentTypeParser == null) {
      return MEDIA_TYPE_OCTET_STREAM
    }
    const length = Math.min(SNIFF_BYTES, size)
    const chunks: Uint8Array[] = []
    for await (const chunk of read(0, length)) {
      chunks.push(chunk)
    }
    const bytes = chunks.length === 1 ? chunks[0] : concat(chunks)
    return await this.options.contentTypeParser(bytes, filename) ?? MEDIA_TYPE_OCTET_STREAM
  }
}

/** Reads `length` bytes of the file from `offset`. */
type WindowReader = (offset: number, length: number) => AsyncGenerator<Uint8Array>

/**
 * The file from `offset` for `length` bytes, fetched window by window. The
 * next window's walk starts when the current one starts being read, so at
 * most two windows of blocks are in memory.
 */
function windowedStream (read: WindowReader, offset: number, length: number, window: number): ReadableStream<Uint8Array> {
  const end = offset + length
  let next = offset
  const open = (): AsyncGenerator<Uint8Array> | undefined => {
    if (next >= end) {
      return undefined
    }
    const take = Math.min(window, end - next)
    const windowContent = read(next, take)
    next += take
    return windowContent
  }
  let current = open()
  // the windows after the current one, already fetching
  const ahead: Array<{ iterator: AsyncGenerator<Uint8Array>, first: Promise<IteratorResult<Uint8Array>> }> = []
  let pendingFirst: Promise<IteratorResult<Uint8Array>> | undefined

  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      while (current != null) {
        while (ahead.length < WINDOWS_IN_FLIGHT - 1 && next < end) {
          const iterator = open()!
          ahead.push({ iterator, first: iterator.next() })
        }
        const result = await (pendingFirst ?? current.next())
        pendingFirst = undefined
        if (result.done !== true) {
          controller.enqueue(result.value)
          return
        }
        const following = ahead.shift()
        current = following?.iterator ?? open()
        pendingFirst = following?.first
      }
      controller.close()
    },
    async cancel () {
      await Promise.all([current?.return(undefined), ...ahead.map(async window => window.iterator.return(undefined))])
    }
  }, { highWaterMark: 0 })
}

function toSlice (range: { start?: number, end?: number }, size: number): { offset: number, length: number } | undefined {
  let start: number
  let end: number
  if (range.start == null && range.end != null) {
    // `bytes=-N`, the last N bytes (verified-fetch hands N over as -N)
    start = Math.max(0, size - Math.abs(range.end))
    end = size - 1
  } else {
    start = range.start ?? 0
    end = Math.min(range.end ?? size - 1, size - 1)
  }
  if (start >= size || start > end) {
    return undefined
  }
  return { offset: start, length: end - start + 1 }
}

/** `filename="ascii"; filename*=UTF-8''encoded`, safe for any name. */
function dispositionFilename (name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return ascii === name ? `filename="${name}"` : `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
