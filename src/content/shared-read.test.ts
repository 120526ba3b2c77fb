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
import { SourceRates } from './source-rates.ts'
import { EdgeCarFetcher } from '../node/edge-car-fetcher.ts'
import { VerifiedBlockstore } from '../node/verified-blockstore.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { CarSource } from '../node/car-source.ts'
import type { CarBlock } from '../node/edge-car-fetcher.ts'
import type { Logger } from '@libp2p/interface'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

const MiB = 1024 * 1024
const WINDOW = MiB
const quiet = Object.assign(() => {}, { enabled: false, trace: () => {}, error: () => {}, newScope: () => quiet }) as unknown as Logger

/** A proxy in front of the real edge that sends CARs at `bytesPerSecond` (what a loaded uplink looks like), or flips a byte past 700,000 */
async function proxy (target: string, mode: { bytesPerSecond?: number, lie?: boolean }): Promise<{ url: string, sent: () => number, cars: () => number, server: Server }> {
  let sent = 0
  let cars = 0
  const server = createServer((req, res) => {
    if ((req.url ?? '').includes('format=car')) cars++
    const upstream = request(`${target}${req.url ?? ''}`, { headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      let seen = 0
      const started = Date.now()
      up.on('data', (chunk: Buffer) => {
        if (mode.lie === true && seen <= 700_000 && seen + chunk.byteLength > 700_000) {
          chunk = Buffer.from(chunk)
          chunk[700_000 - seen] ^= 0xff
        }
        seen += chunk.byteLength
        sent += chunk.byteLength
        res.write(chunk)
        if (mode.bytesPerSecond != null) {
          const due = started + seen / mode.bytesPerSecond * 1000
          if (due > Date.now()) {
            up.pause()
            setTimeout(() => { up.resume() }, due - Date.now())
          }
        }
      })
      up.on('end', () => { res.end() })
      res.on('close', () => { up.destroy() })
    })
    upstream.end()
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => sent, cars: () => cars, server }
}

/** Other browsers as a CAR source: here an edge's CARs, counted as a peer's */
function asPeer (fetcher: CarSource): CarSource {
  return { kind: 'peer', available: true, fetch: async function * (query, options) { yield * fetcher.fetch(query, options) } }
}

/** A listed browser that never sends a block */
const silent: CarSource = {
  kind: 'peer',
  available: true,
  async * fetch (_query, options): AsyncGenerator<CarBlock> {
    await new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true }) })
  }
}

describe('a file read shared between the edge and other browsers (CarPrefetch, real edge)', () => {
  let dir: string
  let edge: Edge
  let bytes: Uint8Array
  let root: CID
  let fast: Awaited<ReturnType<typeof proxy>>
  let slow: Awaited<ReturnType<typeof proxy>>
  let lying: Awaited<ReturnType<typeof proxy>>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-shared-'))
    bytes = new Uint8Array(randomBytes(6 * MiB + 12_345))
    await writeFile(join(dir, 'big.bin'), bytes)
    edge = await startEdge({ serve: [dir], wsPort: 0, httpPort: 0 })
    root = CID.parse(edge.info.roots[dir])
    fast = await proxy(edge.info.http, {})
    slow = await proxy(edge.info.http, { bytesPerSecond: 2 * MiB })
    lying = await proxy(edge.info.http, { lie: true })
  }, 60_000)

  afterAll(async () => {
    for (const p of [fast, slow, lying]) p?.server.close()
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** The path walked in one CAR, then the file read window by window, as the resolve-file step and the file plugin do */
  async function read (edgeUrl: string, peers: { source: CarSource, listed: boolean } | undefined): Promise<{ bytes: Uint8Array, bySource: Record<string, number>, rejected: number }> {
    const local = new VerifiedBlockstore(new MemoryBlockstore(), quiet)
    const prefetch = new CarPrefetch({
      fetcher: new EdgeCarFetcher([{ http: edgeUrl, multiaddrs: [] }]),
      fallback: local,
      local,
      readAheadBytes: 2 * WINDOW,
      maxHeldBytes: 8 * WINDOW,
      segmentBytes: 8 * WINDOW,
      root,
      peers: peers == null ? undefined : { source: peers.source, listed: Promise.resolve(peers.listed), rates: new SourceRates(), segmentBytes: 512 * 1024 }
    })
    const bySource: Record<string, number> = {}
    let rejected = 0
    const onProgress = (event: { type: string, detail?: unknown }): void => {
      if (event.type === 'edgeway:block:delivered') {
        const { source, bytes } = event.detail as { source: string, bytes: number }
        bySource[source] = (bySource[source] ?? 0) + bytes
      }
      if (event.type === 'edgeway:block:rejected') rejected++
    }
    const view = prefetch.pathView({ cid: root, path: '/big.bin', range: { from: 0, to: '*' } })
    const entry = await exporter(`/ipfs/${root.toString()}/big.bin`, view, { onProgress })
    prefetch.resolved(view, entry.cid, Number(entry.size))
    const parts: Uint8Array[] = []
    for (let offset = 0; offset < Number(entry.size); offset += WINDOW) {
      const window = await exporter(entry.cid, prefetch.fileView(entry.cid, offset, Number(entry.size)), { onProgress })
      if (window.type !== 'file') throw new Error('not a file')
      for await (const chunk of window.content({ offset, length: Math.min(WINDOW, Number(entry.size) - offset), onProgress })) parts.push(chunk)
    }
    return { bytes: concat(parts), bySource, rejected }
  }

  it('with no browser listed, reads from the edge alone, as one CAR', async () => {
    const before = { sent: fast.sent(), cars: fast.cars() }
    const outcome = await read(fast.url, { source: silent, listed: false })
    expect(equals(outcome.bytes, bytes)).toBe(true)
    expect(outcome.bySource.peer).toBeUndefined()
    expect(fast.cars() - before.cars).toBe(1)
    // the edge sent the file once, not more
    expect(fast.sent() - before.sent).toBeLessThan(bytes.byteLength * 1.02)
  })

  it('with a loaded edge and a fast browser, takes most bytes from the browser; bytes exact', async () => {
    const before = slow.sent()
    const outcome = await read(slow.url, { source: asPeer(new EdgeCarFetcher([{ http: fast.url, multiaddrs: [] }])), listed: true })
    expect(equals(outcome.bytes, bytes)).toBe(true)
    expect(outcome.bySource.peer).toBeGreaterThan(0.6 * bytes.byteLength)
    // what the edge sent and nobody used is what its cancelled streams had in flight: half a MiB at most here
    expect(slow.sent() - before).toBeLessThanOrEqual(1.1 * (outcome.bySource.edge ?? 0) + 512 * 1024)
  })

  it('with a fast edge, a listed browser changes nothing: one CAR from the edge, bytes exact', async () => {
    const before = fast.cars()
    const outcome = await read(fast.url, { source: asPeer(new EdgeCarFetcher([{ http: fast.url, multiaddrs: [] }])), listed: true })
    expect(equals(outcome.bytes, bytes)).toBe(true)
    expect(outcome.bySource.peer).toBeUndefined()
    expect(fast.cars() - before).toBe(1)
  })

  it('never waits for a silent browser beside a loaded edge: bytes exact, all of them from the edge', async () => {
    const before = slow.cars()
    const outcome = await read(slow.url, { source: silent, listed: true })
    expect(equals(outcome.bytes, bytes)).toBe(true)
    expect(outcome.bySource.peer).toBeUndefined()
    // the read was shared: the edge was asked for pieces of it
    expect(slow.cars() - before).toBeGreaterThan(1)
  }, 30_000)

  it('refuses a lying browser\'s block and gets the rest elsewhere; bytes exact', async () => {
    const outcome = await read(slow.url, { source: asPeer(new EdgeCarFetcher([{ http: lying.url, multiaddrs: [] }])), listed: true })
    expect(equals(outcome.bytes, bytes)).toBe(true)
    expect(outcome.rejected).toBeGreaterThan(0)
  }, 30_000)
})
