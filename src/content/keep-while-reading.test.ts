import { describe, expect, it } from 'vitest'
import { keepWhileReading } from './keep-while-reading.ts'

const chunk = (n: number, size = 1024): Uint8Array => new Uint8Array(size).fill(n)

/** A source of `count` chunks that records how many were pulled and whether it was cancelled. */
function source (count: number, options: { failAt?: number } = {}): { stream: ReadableStream<Uint8Array>, pulled: () => number, cancelled: () => boolean } {
  let pulled = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (pulled === options.failAt) {
        controller.error(new Error('a block failed verification'))
        return
      }
      if (pulled === count) {
        controller.close()
        return
      }
      controller.enqueue(chunk(pulled++))
    },
    cancel () { cancelled = true }
  }, { highWaterMark: 0 })
  return { stream, pulled: () => pulled, cancelled: () => cancelled }
}

async function bytesOf (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('keeping a body while it is read', () => {
  it('gives the reader and the copy the same bytes, and the copy closes once the body ended whole', async () => {
    const from = source(20)
    const split = keepWhileReading(from.stream, Number.MAX_SAFE_INTEGER)
    const [read, kept] = await Promise.all([bytesOf(split.body), bytesOf(split.kept)])
    expect(read.byteLength).toBe(20 * 1024)
    expect(kept).toEqual(read)
    expect(split.bytes()).toBe(20 * 1024)
  })

  it('errors the copy, and stops pulling the source, when the reader cancels mid-way', async () => {
    const from = source(10_000)
    const split = keepWhileReading(from.stream, Number.MAX_SAFE_INTEGER)
    const copy = bytesOf(split.kept)
    const reader = split.body.getReader()
    for (let i = 0; i < 5; i++) await reader.read()
    await reader.cancel(new Error('the user closed the tab'))
    await expect(copy).rejects.toThrow('the user closed the tab')
    expect(from.cancelled()).toBe(true)
    expect(from.pulled()).toBeLessThan(20)
  })

  it('errors the copy when the source fails, as the reader\'s stream does', async () => {
    const split = keepWhileReading(source(10, { failAt: 4 }).stream, Number.MAX_SAFE_INTEGER)
    const copy = bytesOf(split.kept)
    await expect(bytesOf(split.body)).rejects.toThrow('failed verification')
    await expect(copy).rejects.toThrow('failed verification')
  })

  it('drops the copy past the size limit and the reader still gets everything', async () => {
    const split = keepWhileReading(source(10).stream, 4 * 1024)
    const copy = bytesOf(split.kept)
    expect((await bytesOf(split.body)).byteLength).toBe(10 * 1024)
    await expect(copy).rejects.toMatchObject({ name: 'FileTooLargeError' })
  })

  it('makes the reader wait while the copy lags, so the file is not held in memory for it', async () => {
    const from = source(10_000, {})
    const split = keepWhileReading(from.stream, Number.MAX_SAFE_INTEGER)
    const reader = split.body.getReader()
    // nobody reads the copy: the reader gets about the copy's queue (4 MiB of 1 KiB chunks), then waits
    let got = 0
    const reading = (async () => { while (!(await reader.read()).done) got++ })()
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(got).toBeLessThanOrEqual(4 * 1024 + 2)
    const kept = split.kept.getReader()
    while (!(await kept.read()).done) {}
    await reading
    expect(got).toBe(10_000)
  })
})
