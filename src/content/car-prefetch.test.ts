import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { CarPrefetch } from './car-prefetch.ts'
import { EdgeCarFetcher } from '../node/edge-car-fetcher.ts'
import { VerifiedBlockstore } from '../node/verified-blockstore.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { ReadableBlocks } from './car-prefetch.ts'
import type { Logger } from '@libp2p/interface'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

const MiB = 1024 * 1024
const WINDOW = MiB
const quiet = Object.assign(() => {}, { enabled: false, trace: () => {}, error: () => {}, newScope: () => quiet }) as unknown as Logger

/**
 * A proxy in front of the real edge: counts CAR requests, and can answer them
 * with a CAR whose `lieAt`-th block has one byte flipped, with a 500, or with
 * a CAR whose connection drops after 700,000 bytes.
 */
async function proxy (target: string, mode: () => 'honest' | 'lie' | 'fail' | 'drop'): Promise<{ url: string, cars: () => number, server: Server }> {
  let cars = 0
  const server = createServer((req, res) => {
    const isCar = (req.url ?? '').includes('format=car')
    if (isCar) cars++
    if (isCar && mode() === 'fail') {
      res.writeHead(500).end()
      return
    }
    const upstream = request(`${target}${req.url ?? ''}`, { headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      let seen = 0
      up.on('data', (chunk: Buffer) => {
        // a byte well inside the CAR's third 256 KiB leaf, past the header and first blocks
        if (isCar && mode() === 'lie' && seen <= 700_000 && seen + chunk.byteLength > 700_000) {
          chunk = Buffer.from(chunk)
          chunk[700_000 - seen] ^= 0xff
        }
        if (isCar && mode() === 'drop' && seen + chunk.byteLength > 700_000) {
          res.write(chunk.subarray(0, 700_000 - seen))
          up.destroy()
          res.destroy()
          return
        }
        seen += chunk.byteLength
        res.write(chunk)
      })
      up.on('end', () => { res.end() })
    })
    upstream.end()
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cars: () => cars, server }
}

/** Reads the file the way the stream plugin does: one exporter per window, through `fileView`. */
async function readWindows (prefetch: CarPrefetch, file: CID, size: number, onProgress?: (event: { type: string, detail?: unknown }) => void): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for (let offset = 0; offset < size; offset += WINDOW) {
    const length = Math.min(WINDOW, size - offset)
    const entry = await exporter(file, prefetch.fileView(file, offset, size), { onProgress })
    if (entry.type !== 'file') throw new Error('not a file')
    for await (const chunk of entry.content({ offset, length, onProgress })) parts.push(chunk)
  }
  return concat(parts)
}

describe('CarPrefetch against a real edge', () => {
  let dir: string
  let edge: Edge
  let bytes: Uint8Array
  let file: CID
  let honest: Awaited<ReturnType<typeof proxy>>
  let liar: Awaited<ReturnType<typeof proxy>>
  let broken: Awaited<ReturnType<typeof proxy>>
  let dropping: Awaited<ReturnType<typeof proxy>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-prefetch-'))
    bytes = new Uint8Array(randomBytes(6 * MiB + 12_345))
    await writeFile(join(dir, 'big.bin'), bytes)
    edge = await startEdge({ serve: [dir], wsPort: 0, httpPort: 0 })
    const root = CID.parse(edge.info.roots[dir])
    const entry = await exporter(`/ipfs/${root.toString()}/big.bin`, edge.blockstore)
    file = entry.cid
    honest = await proxy(edge.info.http, () => 'honest')
    liar = await proxy(edge.info.http, () => 'lie')
    broken = await proxy(edge.info.http, () => 'fail')
    dropping = await proxy(edge.info.http, () => 'drop')
  }, 60_000)

  afterAll(async () => {
    for (const p of [honest, liar, broken, dropping]) p?.server.close()
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const setup = (urls: string[], fallback?: ReadableBlocks, readAheadBytes = 2 * WINDOW): { prefetch: CarPrefetch, local: VerifiedBlockstore, memory: MemoryBlockstore } => {
    const memory = new MemoryBlockstore()
    const local = new VerifiedBlockstore(memory, quiet)
    const fetcher = new EdgeCarFetcher(urls.map(http => ({ http, multiaddrs: [] })))
    return { prefetch: new CarPrefetch({ fetcher, fallback: fallback ?? local, local, readAheadBytes, maxHeldBytes: 8 * WINDOW, segmentBytes: 4 * WINDOW }), local, memory }
  }

  it('streams the file as a few CARs (one per 4 windows), every block verified and stored as it is used', async () => {
    const before = honest.cars()
    const { prefetch, local, memory } = setup([honest.url])
    const delivered: string[] = []
    const read = await readWindows(prefetch, file, bytes.byteLength, event => {
      if (event.type === 'edgeway:block:delivered') delivered.push((event.detail as { from: string }).from)
    })
    expect(equals(read, bytes)).toBe(true)
    expect(honest.cars() - before).toBe(Math.ceil(bytes.byteLength / (4 * WINDOW)))
    expect(delivered.length).toBeGreaterThan(24)
    expect(new Set(delivered)).toEqual(new Set([honest.url]))
    await local.flush()
    expect(await memory.has(file)).toBe(true)
  })

  it('stops running ahead of a reader that pauses', async () => {
    const { prefetch } = setup([honest.url], undefined, WINDOW)
    const entry = await exporter(file, prefetch.fileView(file, 0, bytes.byteLength))
    if (entry.type !== 'file') throw new Error('not a file')
    for await (const chunk of entry.content({ offset: 0, length: 10 })) expect(chunk.byteLength).toBe(10)
    await new Promise(resolve => setTimeout(resolve, 500))
    // what it holds stops at the read-ahead (plus the block that crossed it), far short of the file
    expect(prefetch.held).toBeLessThanOrEqual(WINDOW + 256 * 1024)
  })

  it('drops an edge whose CAR holds a forged block, and gets the file from the next edge', async () => {
    const { prefetch } = setup([liar.url, honest.url])
    const events: string[] = []
    const read = await readWindows(prefetch, file, bytes.byteLength, event => {
      if (event.type.startsWith('edgeway:block:')) events.push(`${event.type} ${(event.detail as { from: string }).from}`)
    })
    expect(equals(read, bytes)).toBe(true)
    expect(events).toContain(`edgeway:block:rejected ${liar.url}`)
    // blocks the liar sent before the forged one were genuine; none after it came from the liar
    const firstRejection = events.indexOf(`edgeway:block:rejected ${liar.url}`)
    expect(events.slice(firstRejection + 1).some(event => event.endsWith(liar.url))).toBe(false)
  })

  it('keeps what a CAR brought before its connection dropped, and gets the rest from the next edge, not the failed one', async () => {
    const before = { dropping: dropping.cars(), honest: honest.cars() }
    const { prefetch } = setup([dropping.url, honest.url])
    const delivered: string[] = []
    const read = await readWindows(prefetch, file, bytes.byteLength, event => {
      if (event.type === 'edgeway:block:delivered') delivered.push((event.detail as { from: string }).from)
    })
    expect(equals(read, bytes)).toBe(true)
    expect(delivered).toContain(dropping.url)
    // one CAR from the edge that dropped, every later one from the next edge
    expect(dropping.cars() - before.dropping).toBe(1)
    expect(honest.cars() - before.honest).toBeGreaterThan(0)
  })

  it('falls back to block-by-block fetching when no edge sends a CAR', async () => {
    const source = new MemoryBlockstore()
    for await (const pair of edge.blockstore.getAll()) {
      const chunks: Uint8Array[] = []
      for await (const chunk of pair.bytes) chunks.push(chunk)
      await source.put(pair.cid, concat(chunks))
    }
    const { prefetch } = setup([broken.url], source)
    const delivered: string[] = []
    const read = await readWindows(prefetch, file, bytes.byteLength, event => { if (event.type === 'edgeway:block:delivered') delivered.push('x') })
    expect(equals(read, bytes)).toBe(true)
    expect(delivered).toEqual([])
  })
})
