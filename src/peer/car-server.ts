import { lpStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { exportCar } from '../lib/car-export/car-export.ts'
import { resolveFileRange } from '../lib/car-export/entity-bytes.ts'
import { resolvePath } from '../lib/car-export/resolve-path.ts'
import { CAR_PROTOCOL, FRAME_CAR, FRAME_END, FRAME_ERROR, MAX_CAR_REQUEST_BYTES, parsePeerCarRequest } from '../lib/peer-car.ts'
import { MAX_BLOCK_SIZE } from '../node/car-stream.ts'
import { collect } from './collect.ts'
import { ReadAheadBlocks } from './read-ahead-blocks.ts'
import type { ServeGate } from './share-policy.ts'
import type { CodecLoader } from '@helia/interface'
import type { Libp2p, Logger, Stream } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

/** CARs one connected browser may be sent at once: a second lets the next range start while one ends */
export const MAX_CAR_STREAMS_PER_PEER = 2
/** How long the request may take to arrive once the stream is open */
const REQUEST_TIMEOUT_MS = 5_000
/** How long the reader may take no bytes (its window full) before the CAR is given up */
const WRITE_IDLE_MS = 20_000
/** Longest one CAR may take, however it is read */
const CAR_TIMEOUT_MS = 5 * 60_000
/** Most bytes one CAR may carry: a reader asks for ranges, and a whole DAG past this is for the edges */
export const MAX_CAR_BYTES = 512 * 1024 * 1024
/** A frame holds a block (or part of the CAR the exporter joined) and a type byte: nothing larger is sent or read */
export const MAX_FRAME_BYTES = MAX_BLOCK_SIZE + 64 * 1024

export interface CarServerComponents {
  /** The store as other browsers see it: reads of blocks the gate does not share throw */
  blockstore: Blockstore
  gate: ServeGate
  getCodec: CodecLoader
  log: Logger
}

/**
 * Answers `/edgeway/car/1.0.0` with the same CAR the edge's trustless
 * gateway sends for the same query (one exporter, src/lib/car-export), read
 * from the store through the share gate: a browser sends only what it
 * announces. A block that is not shared or not held ends the CAR with an
 * error frame, never a skipped block, so the reader knows it is not whole.
 */
export async function handleCarServer (libp2p: Pick<Libp2p, 'handle'>, components: CarServerComponents): Promise<void> {
  await libp2p.handle(CAR_PROTOCOL, async (stream) => { await serveCar(stream, components) }, {
    maxInboundStreams: MAX_CAR_STREAMS_PER_PEER,
    // no CAR over a relay's limited connection: the bytes go over WebRTC, not through the edge
    runOnLimitedConnection: false
  })
}

export async function serveCar (stream: Stream, { blockstore, gate, getCodec, log }: CarServerComponents): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MAX_CAR_REQUEST_BYTES })
  const overall = AbortSignal.timeout(CAR_TIMEOUT_MS)
  let sent = 0
  let reading = 0
  let writing = 0
  const started = performance.now()
  const writeFrame = async (type: number, body?: Uint8Array): Promise<void> => {
    // one copy of a block, to put the type byte before it (a list of both would not copy, but @libp2p/utils
    // takes its own version of uint8arraylist)
    const frame = body == null ? Uint8Array.of(type) : concat([Uint8Array.of(type), body])
    await lp.write(frame, { signal: AbortSignal.any([overall, AbortSignal.timeout(WRITE_IDLE_MS)]) })
  }
  try {
    const message = await lp.read({ signal: AbortSignal.any([overall, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) })
    const request = parsePeerCarRequest(toString(message.subarray()))
    let cid: CID
    try {
      if (request == null) throw new Error('not a CAR request')
      cid = CID.parse(request.cid)
    } catch {
      await refuse(writeFrame, 'BadRequestError', 'not a CAR request')
      await stream.close({ signal: AbortSignal.timeout(WRITE_IDLE_MS) })
      return
    }
    if (!gate.serves(cid)) {
      log('refused a CAR of %c: not shared', cid)
      await refuse(writeFrame, 'NotSharedError', `${cid} is not shared by this browser`)
      await stream.close({ signal: AbortSignal.timeout(WRITE_IDLE_MS) })
      return
    }
    const signal = overall
    const path = await resolvePath(blockstore, cid, request?.path ?? '', { signal })
    const target = path.cids[path.cids.length - 1] ?? cid
    const fileRange = request?.range == null
      ? undefined
      : await resolveFileRange(getCodec, target, await collect(blockstore.get(target, { signal })), request.range)
    const car = exportCar({ blockstore: new ReadAheadBlocks(blockstore, { signal }), getCodec }, cid, { path, dagScope: request?.scope ?? 'entity', fileRange, signal })
    for (let t = performance.now(), next = await car.next(); next.done !== true; t = performance.now(), next = await car.next()) {
      reading += performance.now() - t
      const chunk = next.value
      sent += chunk.byteLength
      if (sent > MAX_CAR_BYTES) {
        throw new CarTooLargeError(`a CAR of more than ${MAX_CAR_BYTES} bytes`)
      }
      const w = performance.now()
      await writeFrame(FRAME_CAR, chunk)
      writing += performance.now() - w
    }
    await writeFrame(FRAME_END)
    await stream.close({ signal: AbortSignal.timeout(WRITE_IDLE_MS) })
    log('sent a CAR of %c: %d bytes in %d ms (%d reading the store, %d waiting to send)', cid, sent, Math.round(performance.now() - started), Math.round(reading), Math.round(writing))
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err))
    log('a CAR ended after %d bytes - %e', sent, error)
    // said when the stream still carries it (a block not shared or not held, a range that selects nothing)
    await refuse(writeFrame, error.name, error.message)
      .then(async () => { await stream.close({ signal: AbortSignal.timeout(WRITE_IDLE_MS) }) })
      .catch(() => { stream.abort(error) })
  }
}

async function refuse (writeFrame: (type: number, body?: Uint8Array) => Promise<void>, name: string, message: string): Promise<void> {
  await writeFrame(FRAME_ERROR, fromString(JSON.stringify({ name, message: message.slice(0, 512) })))
}

class CarTooLargeError extends Error {
  static name = 'CarTooLargeError'
  name = 'CarTooLargeError'
}
