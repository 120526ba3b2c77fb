import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { describe, expect, it } from 'vitest'
import { SegmentScheduler } from './segment-scheduler.ts'
import { SourceRates } from './source-rates.ts'
import { CarFetchError } from '../node/edge-car-fetcher.ts'
import { PeerCarLieError } from '../lib/peer-car.ts'
import type { CarSource } from '../node/car-source.ts'
import type { CarBlock, CarFetchOptions, CarQuery } from '../node/edge-car-fetcher.ts'

const KiB = 1024
const LEAF = 64 * KiB
const LEAVES = 64
/** A file of raw leaves, as a trustless gateway cuts it */
interface File { leaves: Array<{ cid: CID, bytes: Uint8Array }>, bytes: Uint8Array }

async function makeFile (): Promise<File> {
  const leaves = await Promise.all(Array.from({ length: LEAVES }, async () => {
    const bytes = randomBytes(LEAF)
    return { cid: CID.createV1(RAW_CODE, await sha256.digest(bytes)), bytes: new Uint8Array(bytes) }
  }))
  return { leaves, bytes: concat(leaves.map(leaf => leaf.bytes)) }
}

interface FakeInit {
  kind: 'edge' | 'peer'
  /** Bytes a second */
  rate: number
  /** Never sends a block */
  silent?: boolean
  /** Throws (as a source that sent a block failing its hash does) after this many blocks, on every request */
  failAfter?: number
  /** Ends its stream cleanly after this many blocks, though more were asked for */
  endAfter?: number
  /** Its first request waits this long before its first block, as a first connection (a WebRTC dial) does */
  connectMs?: number
}

/** A CAR source answering byte-range queries of `file` with its leaves, paced at `rate` */
function fakeSource (file: File, init: FakeInit): CarSource & { requests: number } {
  let connectedAt: number | undefined
  return {
    kind: init.kind,
    available: true,
    requests: 0,
    async * fetch (query: CarQuery, options: CarFetchOptions): AsyncGenerator<CarBlock> {
      this.requests++
      if (init.connectMs != null) {
        // the first request starts the dial; a request given up leaves it running, so later ones wait only for the rest
        connectedAt ??= Date.now() + init.connectMs
        await sleep(Math.max(0, connectedAt - Date.now()), options.signal)
      }
      const from = query.range?.from ?? 0
      const to = query.range == null || query.range.to === '*' ? file.bytes.byteLength - 1 : query.range.to
      if (init.silent === true) {
        await new Promise((resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true }) })
      }
      let sent = 0
      for (let index = Math.floor(from / LEAF); index <= Math.floor(to / LEAF); index++) {
        if (init.failAfter != null && sent >= init.failAfter) {
          // as each source reports a block that does not match its CID
          throw init.kind === 'peer' ? new PeerCarLieError('a block did not match its CID', 'peer') : new CarFetchError('a block did not match its CID', [`${init.kind}-url`])
        }
        if (init.endAfter != null && sent >= init.endAfter) {
          return
        }
        await sleep(LEAF / init.rate * 1000, options.signal)
        sent++
        yield { ...file.leaves[index], from: `${init.kind}-url` }
      }
    }
  }
}

interface Outcome { complete: boolean, bytes: Uint8Array, bySource: Map<CarSource, number> }

async function read (file: File, sources: CarSource[], rates = new SourceRates()): Promise<Outcome> {
  const delivered = new Map<string, Uint8Array>()
  const bySource = new Map<CarSource, number>()
  const scheduler = new SegmentScheduler({
    sources,
    query: { cid: file.leaves[0].cid },
    from: 0,
    to: file.bytes.byteLength - 1,
    segmentBytes: 256 * KiB,
    lookaheadBytes: 1024 * KiB,
    rates,
    deliver: (block, source) => {
      if (!delivered.has(block.cid.toString())) {
        delivered.set(block.cid.toString(), block.bytes)
        bySource.set(source, (bySource.get(source) ?? 0) + block.bytes.byteLength)
      }
    },
    room: async () => {},
    skip: new Set()
  })
  const complete = await scheduler.run({ signal: AbortSignal.timeout(20_000) })
  const bytes = concat(file.leaves.map(leaf => delivered.get(leaf.cid.toString()) ?? new Uint8Array(0)))
  return { complete, bytes, bySource }
}

const MiB = 1024 * KiB

describe('SegmentScheduler', () => {
  it('reads a file from one source exactly, in pieces', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 64 * MiB })
    const outcome = await read(file, [edge])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
  })

  it('with a fast edge and a slow peer, takes nearly all from the edge (the read does not wait on the peer)', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 32 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 512 * KiB })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    // with the edge this fast, trying the peer would not pay back: it is not asked at all
    expect(peer.requests).toBe(0)
    expect(outcome.bySource.get(peer) ?? 0).toBe(0)
  })

  it('with a slow edge and a fast peer, takes most bytes from the peer', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 1 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 16 * MiB })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(outcome.bySource.get(peer) ?? 0).toBeGreaterThan(0.7 * file.bytes.byteLength)
  })

  it('a fast peer whose first piece waited for its connection still gets most bytes: the dial is not its latency from then on', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 512 * KiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 32 * MiB, connectMs: 1000 })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(outcome.bySource.get(peer) ?? 0).toBeGreaterThan(file.bytes.byteLength / 2)
  })

  it('starts informed: a peer measured fast in an earlier read gets the first bytes of the next', async () => {
    const file = await makeFile()
    const rates = new SourceRates()
    const edge = fakeSource(file, { kind: 'edge', rate: 1 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 16 * MiB })
    await read(file, [edge, peer], rates)
    // the edge may never have sent enough to be measured: the peer took its pieces over
    expect(rates.get(peer)?.bytesPerSecond).toBeGreaterThan(rates.get(edge)?.bytesPerSecond ?? 0)
    const again = await read(file, [edge, peer], rates)
    expect(equals(again.bytes, file.bytes)).toBe(true)
    expect(again.bySource.get(peer) ?? 0).toBeGreaterThan(0.8 * file.bytes.byteLength)
  })

  it('never waits on a silent peer: the edge takes its piece over and the bytes are exact', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 32 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 32 * MiB, silent: true })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(outcome.bySource.get(peer) ?? 0).toBe(0)
    // after two pieces taken over while it had sent nothing, the peer is asked no more
    expect(peer.requests).toBeLessThanOrEqual(2)
  })

  it('a silent peer beside a slow edge: tried, never waited for, dropped after two pieces taken over; bytes exact', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 1 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 32 * MiB, silent: true })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(peer.requests).toBeGreaterThan(0)
    expect(peer.requests).toBeLessThanOrEqual(2)
  })

  it('gives a peer that lies no more of the response, and gets its piece from the edge', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 1 * MiB })
    const liar = fakeSource(file, { kind: 'peer', rate: 32 * MiB, failAfter: 2 })
    const outcome = await read(file, [edge, liar])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(liar.requests).toBe(1)
  })

  it('a peer that goes away mid-way, every time: the rest from the edge, bytes exact', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 1 * MiB })
    const peer = fakeSource(file, { kind: 'peer', rate: 32 * MiB, endAfter: 3 })
    const outcome = await read(file, [edge, peer])
    expect(outcome.complete).toBe(true)
    expect(equals(outcome.bytes, file.bytes)).toBe(true)
    expect(peer.requests).toBeGreaterThan(0)
  })

  it('says so when its sources leave gaps', async () => {
    const file = await makeFile()
    const edge = fakeSource(file, { kind: 'edge', rate: 32 * MiB, failAfter: 0 })
    const outcome = await read(file, [edge])
    expect(outcome.complete).toBe(false)
    // three tries, then no more
    expect(edge.requests).toBe(3)
    expect(outcome.bySource.get(edge)).toBeUndefined()
  })
})

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
