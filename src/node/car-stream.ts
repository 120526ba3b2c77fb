import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'

/** Larger than any block a conforming producer makes (the spec limit is 2 MiB). */
export const MAX_BLOCK_SIZE = 4 * 1024 * 1024

/** A CARv1 header is a small DAG-CBOR map; anything this large is not one. */
const MAX_HEADER_SIZE = 64 * 1024

/** `"version": 1` in a DAG-CBOR header: text(7) "version", then unsigned 1. */
const VERSION_1 = new Uint8Array([0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x01])

export class CarFormatError extends Error {
  static name = 'CarFormatError'
  name = 'CarFormatError'
}

export interface CarSection {
  cid: CID
  /** The block's bytes, in a buffer of their own */
  bytes: Uint8Array
}

/**
 * Why not `@ipld/car`'s `CarBlockIterator`: in Node both parse a 64 MiB CAR of
 * 256 KiB blocks at ~0.9–1.3 GB/s (noisy, neither ahead), far above what a
 * SW receives, so speed does not decide. Its decoder takes a section's and the
 * header's declared length as given and buffers until it has that many bytes
 * (@ipld/car 5.4: `reader.exactly(length)`), so an edge that declares a 2 GB
 * section is held in memory until the stream ends; this reader refuses a
 * section over `MAX_BLOCK_SIZE` and a header over 64 KiB at once.
 *
 * Reads a CARv1 stream block by block, copying each block's bytes once, out of
 * the network chunks into a buffer of exactly its size. It checks the format
 * only (sizes, CIDs, the header's version); whether a block matches its CID
 * is the caller's to check. A section larger than a block can be, a
 * truncated stream or a header that is not CARv1 throws CarFormatError.
 */
export async function * readCar (source: AsyncIterable<Uint8Array>): AsyncGenerator<CarSection> {
  const bytes = new ByteQueue(source)
  const headerLength = await bytes.varint()
  if (headerLength == null) {
    throw new CarFormatError('empty CAR')
  }
  if (headerLength > MAX_HEADER_SIZE) {
    throw new CarFormatError(`CAR header of ${headerLength} bytes`)
  }
  const header = await bytes.take(headerLength)
  if (indexOf(header, VERSION_1) < 0) {
    throw new CarFormatError('not a CARv1 header')
  }
  for (let length = await bytes.varint(); length != null; length = await bytes.varint()) {
    if (length > MAX_BLOCK_SIZE + 128) {
      throw new CarFormatError(`CAR section of ${length} bytes; blocks are at most ${MAX_BLOCK_SIZE}`)
    }
    const head = await bytes.peek(Math.min(length, 128))
    let cid: CID
    let remainder: Uint8Array
    try {
      [cid, remainder] = CID.decodeFirst(head)
    } catch (err) {
      throw new CarFormatError(`bad CID in CAR section: ${err instanceof Error ? err.message : String(err)}`)
    }
    const cidLength = head.byteLength - remainder.byteLength
    bytes.skip(cidLength)
    yield { cid, bytes: await bytes.take(length - cidLength) }
  }
}

/**
 * A raw block response (`?format=raw`) as the one section it is: its bytes,
 * joined once, under the CID asked for (whether they match it is the
 * caller's to check). A body larger than a block can be throws
 * CarFormatError as soon as it passes `MAX_BLOCK_SIZE`.
 */
export async function * readRawBlock (cid: CID, source: AsyncIterable<Uint8Array>): AsyncGenerator<CarSection> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of source) {
    length += chunk.byteLength
    if (length > MAX_BLOCK_SIZE) {
      throw new CarFormatError(`raw block of more than ${MAX_BLOCK_SIZE} bytes`)
    }
    chunks.push(chunk)
  }
  yield { cid, bytes: chunks.length === 1 ? chunks[0] : concat(chunks, length) }
}

/** Network chunks as a queue of bytes; reads wait for chunks as needed. */
class ByteQueue {
  private readonly source: AsyncIterator<Uint8Array>
  private chunks: Uint8Array[] = []
  /** The first chunk not yet consumed */
  private head = 0
  /** Position in chunks[head] */
  private offset = 0
  private available = 0
  private done = false

  constructor (source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]()
  }

  /** A varint, or undefined at a clean end of the stream. */
  async varint (): Promise<number | undefined> {
    await this.fill(10)
    if (this.available === 0) {
      return undefined
    }
    const head = await this.peek(Math.min(10, this.available))
    let value: number
    let read: number
    try {
      [value, read] = varint.decode(head)
    } catch {
      throw new CarFormatError('bad varint in CAR')
    }
    if (read > head.byteLength || !Number.isSafeInteger(value)) {
      throw new CarFormatError('bad varint in CAR')
    }
    this.skip(read)
    return value
  }

  /** The next `length` bytes in one contiguous view, not consumed. */
  async peek (length: number): Promise<Uint8Array> {
    await this.need(length)
    const first = this.chunks[this.head]
    if (first.byteLength - this.offset >= length) {
      return first.subarray(this.offset, this.offset + length)
    }
    return this.copy(length, false)
  }

  /** The next `length` bytes, consumed, in a new buffer of exactly that size. */
  async take (length: number): Promise<Uint8Array> {
    await this.need(length)
    return this.copy(length, true)
  }

  /** Consumes `length` bytes already available. */
  skip (length: number): void {
    this.available -= length
    while (length > 0) {
      const rest = this.chunks[this.head].byteLength - this.offset
      if (length < rest) {
        this.offset += length
        return
      }
      length -= rest
      this.head++
      this.offset = 0
    }
    if (this.head > 64) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
  }

  private copy (length: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(length)
    let written = 0
    let index = this.head
    let offset = this.offset
    while (written < length) {
      const chunk = this.chunks[index]
      const piece = chunk.subarray(offset, offset + Math.min(length - written, chunk.byteLength - offset))
      out.set(piece, written)
      written += piece.byteLength
      index++
      offset = 0
    }
    if (consume) {
      this.skip(length)
    }
    return out
  }

  private async need (length: number): Promise<void> {
    await this.fill(length)
    if (this.available < length) {
      throw new CarFormatError(`CAR ended ${length - this.available} bytes early`)
    }
  }

  private async fill (length: number): Promise<void> {
    while (this.available < length && !this.done) {
      const next = await this.source.next()
      if (next.done === true) {
        this.done = true
      } else if (next.value.byteLength > 0) {
        this.chunks.push(next.value)
        this.available += next.value.byteLength
      }
    }
  }
}

function indexOf (haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i <= haystack.byteLength - needle.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) {
      if (haystack[i + j] !== needle[j]) {
        continue outer
      }
    }
    return i
  }
  return -1
}
