import { MEDIA_TYPE_DAG_PB, MEDIA_TYPE_OCTET_STREAM } from '@helia/verified-fetch'
import { exporter } from 'ipfs-unixfs-exporter'
import { concat } from 'uint8arrays/concat'
import { requestStateOf } from '../lib/request-state.ts'
import type { BodyWatch, ReadableBlocks, RequestState } from '../lib/request-state.ts'
import type { PluginContext, PluginOptions, VerifiedFetchPlugin, VerifiedFetchPluginFactory } from '@helia/verified-fetch'
import type { CID } from 'multiformats/cid'

/** Windows being fetched at once: the one being read and those after it. */
const WINDOWS_IN_FLIGHT = 2

/** Bytes read to detect a file's content type. */
const SNIFF_BYTES = 4096

/**
 * Serves UnixFS files so that blocks are fetched only a window ahead of the
 * reader. verified-fetch's own file path walks the whole DAG as soon as the
 * body exists (and once more to sniff the type), holding every block of a
 * large file in memory whether anyone reads or not. Here the body pulls one
 * window at a time, with the next window's fetch started before the current
 * one is drained, so memory stays bounded and the sources stay busy.
 *
 * It takes only what it is sure of: a file or a raw block (the resolve-file
 * step resolved the path first), asked for as itself, whole or as one range.
 * A raw block's body is sent as bytes, not re-streamed by verified-fetch's
 * UnixFS plugin and then by the request's own watched stream. Everything else
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
    const file = requestStateOf(context)?.file
    return file != null &&
      file.equals(context.terminalElement.cid) &&
      (context.range == null || context.range.ranges.length === 1) &&
      (context.accept.length === 0 || context.accept.some(h => h.contentType.mediaType === MEDIA_TYPE_OCTET_STREAM || h.contentType.mediaType === MEDIA_TYPE_DAG_PB))
  }

  async handle (context: PluginContext): Promise<Response> {
    const entry = await exporter(context.terminalElement.cid, context.blockstore, context)
    if (entry.type !== 'file' && entry.type !== 'raw') {
      throw new TypeError(`${context.terminalElement.cid} is not a file`)
    }
    if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
      // a symlink's body is its target, as written; a gateway never follows it
      const target = entry.unixfs.data ?? new Uint8Array(0)
      return new Response(context.method === 'HEAD' ? null : target, {
        headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(target.byteLength), 'x-unixfs-type': 'symlink' }
      })
    }
    const size = Number(entry.size)
    const filename = context.url.searchParams.get('filename') ?? context.terminalElement.name
    const state = requestStateOf(context)
    const window = state?.readAheadBytes ?? 4 * 1024 * 1024
    const fileCid = entry.cid
    // where the bytes asked for end: a stream started for a window runs to there
    let end = size
    // the blocks of one window: from the response's CAR stream when batching, else block by block
    const blocksFor = (offset: number): ReadableBlocks => state?.blocks?.fileView(fileCid, offset, end) ?? context.blockstore
    const read: WindowReader = entry.type === 'raw'
      // a raw block is the whole file, read and hashed already: its windows fetch nothing
      ? async function * (offset, length) { yield * entry.content({ ...context, offset, length }) }
      : async function * (offset, length) {
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
      'x-unixfs-type': entry.type
    })
    const head = context.method === 'HEAD'

    const range = context.range?.ranges[0]
    if (range != null) {
      const slice = toSlice(range, size)
      if (slice == null) {
        return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } })
      }
      end = slice.offset + slice.length
      headers.set('content-type', MEDIA_TYPE_OCTET_STREAM)
      headers.set('content-length', String(slice.length))
      headers.set('content-range', `bytes ${slice.offset}-${slice.offset + slice.length - 1}/${size}`)
      if (head) {
        return new Response(null, { status: 206, headers })
      }
      // a range's first bytes are read before the answer, as any body's are; a failure there is the request's to answer
      const body = await FileBody.open(windows(read, slice.offset, slice.length, window), 1, slice.length, state?.body, false)
      return body.respond(state, { status: 206, headers })
    }
    if (size === 0) {
      headers.set('content-type', await this.contentType([], filename))
      headers.set('content-length', '0')
      return new Response(null, { status: 200, headers })
    }
    headers.set('content-length', String(size))
    if (head) {
      // the type from the first bytes, read on their own (not the whole file)
      const sniffed = await FileBody.open(read(0, Math.min(SNIFF_BYTES, size)), SNIFF_BYTES, Math.min(SNIFF_BYTES, size), undefined, true)
      await sniffed.cancel()
      headers.set('content-type', await this.contentType(sniffed.head, filename))
      return new Response(null, { status: 200, headers })
    }
    // the first bytes name the type and are the body's first bytes: the file is walked once
    const body = await FileBody.open(windows(read, 0, size, window), SNIFF_BYTES, size, state?.body, true)
    headers.set('content-type', await this.contentType(body.head, filename))
    return body.respond(state, { status: 200, headers })
  }

  /** From the file name and the first bytes. */
  private async contentType (head: Uint8Array[], filename: string): Promise<string> {
    if (this.options.contentTypeParser == null) {
      return MEDIA_TYPE_OCTET_STREAM
    }
    const bytes = head.length === 1 ? head[0] : concat(head)
    return await this.options.contentTypeParser(bytes.subarray(0, SNIFF_BYTES), filename) ?? MEDIA_TYPE_OCTET_STREAM
  }
}

/**
 * A file's body with its first bytes already read: they name its type and
 * show that its blocks come, before the headers are sent. A body that is
 * all in `head` is sent as bytes; a longer one streams the rest as the
 * reader pulls, reporting to the request (`BodyWatch`).
 */
class FileBody {
  readonly head: Uint8Array[]
  private readonly rest: AsyncGenerator<Uint8Array>
  private readonly watch?: BodyWatch
  private readonly done: boolean
  /** The first read failed */
  private readonly failed?: unknown

  private constructor (head: Uint8Array[], rest: AsyncGenerator<Uint8Array>, done: boolean, watch?: BodyWatch, failed?: unknown) {
    this.head = head
    this.rest = rest
    this.done = done
    this.watch = watch
    this.failed = failed
  }

  /**
   * Reads `chunks` (`total` bytes in all) until `bytes` are in. `raise`: a
   * failure is thrown (the plugin's error); else it is kept for the request
   * to answer with.
   */
  static async open (chunks: AsyncGenerator<Uint8Array>, bytes: number, total: number, watch: BodyWatch | undefined, raise: boolean): Promise<FileBody> {
    const head: Uint8Array[] = []
    let read = 0
    try {
      while (read < bytes && read < total) {
        const next = await chunks.next()
        if (next.done === true) {
          break
        }
        head.push(next.value)
        read += next.value.byteLength
      }
    } catch (err) {
      if (raise) {
        throw err
      }
      return new FileBody(head, chunks, true, watch, err)
    }
    if (read >= total) {
      // all of it is here: the windows are done with
      await chunks.return(undefined)
      return new FileBody(head, chunks, true, watch)
    }
    return new FileBody(head, chunks, false, watch)
  }

  async cancel (): Promise<void> {
    await this.rest.return(undefined)
  }

  /** The response with this body; the request's state learns that its body reports to it. */
  respond (state: RequestState | undefined, init: ResponseInit): Response {
    const response = new Response(this.done && this.failed == null ? this.bytes() : this.stream(), init)
    if (state != null) {
      state.answer = { response, failed: this.failed }
      if (this.done && this.failed == null) {
        // nothing left to read: the request is done once answered
        this.watch?.ended()
      }
    }
    return response
  }

  /** The head as one body, without a copy when it is one chunk of an ordinary buffer. */
  private bytes (): Uint8Array<ArrayBuffer> {
    const [only] = this.head
    if (this.head.length === 1 && only.buffer instanceof ArrayBuffer) {
      return new Uint8Array(only.buffer, only.byteOffset, only.byteLength)
    }
    const bytes = new Uint8Array(this.head.reduce((sum, chunk) => sum + chunk.byteLength, 0))
    let offset = 0
    for (const chunk of this.head) {
      bytes.set(chunk, offset)
      offset += chunk.byteLength
    }
    return bytes
  }

  private stream (): ReadableStream<Uint8Array> {
    const { head, rest, watch } = this
    return new ReadableStream<Uint8Array>({
      async pull (controller) {
        const first = head.shift()
        if (first != null) {
          controller.enqueue(first)
          return
        }
        try {
          const { done, value } = await rest.next()
          watch?.progressed()
          if (done === true) {
            watch?.ended()
            controller.close()
          } else {
            controller.enqueue(value)
          }
        } catch (err) {
          controller.error(watch?.failed(err) ?? err)
        }
      },
      async cancel (reason) {
        watch?.cancelled(reason)
        await rest.return(undefined)
      }
    }, { highWaterMark: 0 })
  }
}

/** Reads `length` bytes of the file from `offset`. */
type WindowReader = (offset: number, length: number) => AsyncGenerator<Uint8Array>

/**
 * The file from `offset` for `length` bytes, fetched window by window. The
 * next window's walk starts when the current one starts being read, so at
 * most two windows of blocks are in memory.
 */
async function * windows (read: WindowReader, offset: number, length: number, window: number): AsyncGenerator<Uint8Array> {
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
  try {
    while (current != null) {
      while (ahead.length < WINDOWS_IN_FLIGHT - 1 && next < end) {
        const iterator = open() as AsyncGenerator<Uint8Array>
        const first = iterator.next()
        // awaited when its turn comes; a window given up before then must not be an unhandled rejection
        first.catch(() => {})
        ahead.push({ iterator, first })
      }
      const result = await (pendingFirst ?? current.next())
      pendingFirst = undefined
      if (result.done !== true) {
        yield result.value
        continue
      }
      const following = ahead.shift()
      current = following?.iterator ?? open()
      pendingFirst = following?.first
    }
  } finally {
    await Promise.all([current?.return(undefined), ...ahead.map(async window => window.iterator.return(undefined))])
  }
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
