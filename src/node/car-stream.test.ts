import { CarWriter } from '@ipld/car/writer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { describe, expect, it } from 'vitest'
import { CarFormatError, MAX_BLOCK_SIZE, readCar, readRawBlock } from './car-stream.ts'

async function block (size: number, seed: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function car (blocks: Array<{ cid: CID, bytes: Uint8Array }>): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([blocks[0].cid])
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await collected
  return concat(parts)
}

/** The bytes as a network would deliver them: chunks of uneven sizes. */
async function * chunked (bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let offset = 0
  for (let i = 0; offset < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length]
    yield bytes.slice(offset, offset + size)
    offset += size
  }
}

async function readAll (source: AsyncIterable<Uint8Array>): Promise<Array<{ cid: CID, bytes: Uint8Array }>> {
  const out = []
  for await (const section of readCar(source)) out.push(section)
  return out
}

describe('readCar', () => {
  it('reads every block, whatever the chunking, each in a buffer of its own', async () => {
    const blocks = [await block(10, 1), await block(300_000, 2), await block(1, 3), await block(65_536, 4)]
    const bytes = await car(blocks)
    for (const sizes of [[1], [7, 3], [1000, 1], [65_536], [bytes.byteLength], [100_000, 13]]) {
      const read = await readAll(chunked(bytes, sizes))
      expect(read.map(b => b.cid.toString())).toEqual(blocks.map(b => b.cid.toString()))
      read.forEach((b, i) => {
        expect(b.bytes).toEqual(blocks[i].bytes)
        expect(b.bytes.byteLength).toBe(b.bytes.buffer.byteLength)
      })
    }
  }, 30_000)

  it('throws on a stream cut inside a block', async () => {
    const bytes = await car([await block(1000, 1), await block(1000, 2)])
    await expect(readAll(chunked(bytes.slice(0, bytes.byteLength - 10), [64]))).rejects.toThrow(CarFormatError)
  })

  it('refuses a section larger than any block, before reading it', async () => {
    const bytes = await car([await block(16, 1)])
    // the header, then a section that claims 64 MiB
    const headerEnd = bytes[0] + 1
    const huge = concat([bytes.slice(0, headerEnd), new Uint8Array([0x80, 0x80, 0x80, 0x20])])
    await expect(readAll(chunked(huge, [1024]))).rejects.toThrow(/at most/)
  })

  it('refuses what is not a CARv1', async () => {
    const pragmaV2 = new Uint8Array([0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02])
    await expect(readAll(chunked(pragmaV2, [64]))).rejects.toThrow(/CARv1/)
    await expect(readAll(chunked(new Uint8Array(0), [1]))).rejects.toThrow(/empty/)
  })
})

describe('readRawBlock', () => {
  it('is the one section of the CID asked for, its bytes joined from the chunks as they came', async () => {
    const { cid, bytes } = await block(10_000, 7)
    const sections = []
    for await (const section of readRawBlock(cid, chunked(bytes, [1, 4096, 333]))) sections.push(section)

    expect(sections).toHaveLength(1)
    expect(sections[0].cid.equals(cid)).toBe(true)
    expect(sections[0].bytes).toEqual(bytes)
  })

  it('refuses a body larger than a block can be as soon as it passes the limit', async () => {
    const { cid } = await block(1, 1)
    let sent = 0
    async function * endless (): AsyncGenerator<Uint8Array> {
      while (true) {
        sent += 1024 * 1024
        yield new Uint8Array(1024 * 1024)
      }
    }

    await expect(async () => { for await (const _ of readRawBlock(cid, endless())) { /* none */ } }).rejects.toThrow(CarFormatError)
    expect(sent).toBe(MAX_BLOCK_SIZE + 1024 * 1024)
  })
})
