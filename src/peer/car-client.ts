import { lpStream } from '@libp2p/utils'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { CAR_PROTOCOL, FRAME_CAR, FRAME_END, FRAME_ERROR, PeerCarBrokenError, PeerCarLieError, PeerCarRefusedError } from '../lib/peer-car.ts'
import { readCar } from '../node/car-stream.ts'
import { hashMatches } from '../node/verified-blockstore.ts'
import { MAX_FRAME_BYTES } from './car-server.ts'
import type { PeerCarRequest } from '../lib/peer-car.ts'
import type { AbortOptions, Connection } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * How long a peer may send nothing (no frame) while the reader waits before
 * its CAR counts as stalled. A browser that closes without a word is seen
 * only by WebRTC's consent checks, far later; a reader held by the SW's
 * credit is not waiting, so this never counts a paused reader. Short, so the
 * response goes on elsewhere well within the SW's request timeout.
 */
export const CAR_IDLE_MS = 4_000

export interface PeerCarBlock {
  cid: CID
  bytes: Uint8Array
  /** The peer id that sent it */
  from: string
}

/**
 * Asks one connected browser for a CAR over `/edgeway/car/1.0.0` and yields
 * its blocks as they arrive, each hashed first (src/lib/block-hashers.ts, as
 * the store checks them). A block that does not match its CID ends the read
 * with PeerCarLieError; an error frame with PeerCarRefusedError; a stream that
 * breaks, stalls or stops without its end frame with PeerCarBrokenError.
 */
export async function * readPeerCar (connection: Connection, request: PeerCarRequest, options: AbortOptions = {}): AsyncGenerator<PeerCarBlock> {
  options.signal?.throwIfAborted()
  const peer = connection.remotePeer.toString()
  let stream
  try {
    stream = await connection.newStream(CAR_PROTOCOL, { signal: options.signal })
  } catch (err) {
    options.signal?.throwIfAborted()
    throw new PeerCarRefusedError(`${peer} does not speak ${CAR_PROTOCOL}: ${(err as Error).message}`, peer)
  }
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  const onAbort = (): void => { stream.abort(new Error('the reader gave up')) }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let ended = false
  let refusal: { name: string, message: string } | undefined

  // the CAR bytes of the frames, until the end or error frame
  async function * carBytes (): AsyncGenerator<Uint8Array> {
    while (true) {
      let frame
      try {
        frame = await lp.read({ signal: anySignal(options.signal, AbortSignal.timeout(CAR_IDLE_MS)) })
      } catch (err) {
        options.signal?.throwIfAborted()
        throw new PeerCarBrokenError(`${peer}'s CAR broke off: ${(err as Error).message}`, peer)
      }
      const type = frame.get(0)
      if (type === FRAME_CAR) {
        yield frame.subarray(1)
      } else if (type === FRAME_END) {
        ended = true
        return
      } else if (type === FRAME_ERROR) {
        refusal = readRefusal(frame.subarray(1))
        return
      } else {
        throw new PeerCarBrokenError(`${peer} sent a frame of unknown type ${type}`, peer)
      }
    }
  }

  try {
    await lp.write(fromString(JSON.stringify(request)), { signal: options.signal })
    try {
      for await (const { cid, bytes } of readCar(carBytes())) {
        if (!await hashMatches(cid, bytes)) {
          throw new PeerCarLieError(`${peer} sent ${cid} with bytes that do not match it`, peer)
        }
        yield { cid, bytes, from: peer }
      }
    } catch (err) {
      // an empty CAR stream is the refusal that came before any CAR byte
      if (refusal == null || (err as Error).name !== 'CarFormatError') throw err
    }
    if (refusal != null) {
      throw new PeerCarRefusedError(`${peer} refused the CAR (${refusal.name}): ${refusal.message}`, peer)
    }
    if (!ended) {
      throw new PeerCarBrokenError(`${peer}'s CAR stopped without its end`, peer)
    }
    await stream.close({ signal: AbortSignal.timeout(CAR_IDLE_MS) }).catch(() => {})
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    options.signal?.throwIfAborted()
    if (err instanceof Error && err.name === 'CarFormatError') {
      throw new PeerCarBrokenError(`${peer} sent a malformed CAR: ${err.message}`, peer)
    }
    throw err
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

function readRefusal (body: Uint8Array): { name: string, message: string } {
  try {
    const { name, message } = JSON.parse(toString(body)) as { name?: unknown, message?: unknown }
    return { name: String(name).slice(0, 64), message: String(message).slice(0, 512) }
  } catch {
    return { name: 'Error', message: 'an unreadable refusal' }
  }
}

function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter(signal => signal != null))
}
