import type { ServerResponse } from 'node:http'

/** Bytes handed to the socket at a time: each one the socket takes is progress */
const CHUNK_BYTES = 64 * 1024

/**
 * Ends `res` with `body`, handed to the socket a chunk at a time as it takes
 * them (with backpressure, as content streams), so that progress shows: an
 * answer whose socket takes nothing for `stallMs` is cut, its connection
 * destroyed, which frees what it held. Node's own timeouts do not run while a
 * response is sent, and a body handed over whole would be held, unseen, for
 * as long as its reader does not read.
 */
export function endAnswer (res: ServerResponse, body: Uint8Array, stallMs: number): void {
  let sent = false
  const stalled = setTimeout(() => { res.destroy() }, stallMs)
  stalled.unref()
  const done = (): void => {
    sent = true
    clearTimeout(stalled)
  }
  res.once('finish', done)
  res.once('close', done)
  const progress = (): void => {
    if (!sent) stalled.refresh()
  }

  let at = 0
  const writeMore = (): void => {
    while (body.byteLength - at > CHUNK_BYTES) {
      const chunk = body.subarray(at, at + CHUNK_BYTES)
      at += CHUNK_BYTES
      if (!res.write(chunk, progress)) {
        res.once('drain', writeMore)
        return
      }
    }
    res.end(body.subarray(at))
  }
  writeMore()
}
