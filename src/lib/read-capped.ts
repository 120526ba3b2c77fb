import { raceSignal } from 'race-signal'
import { concat } from 'uint8arrays/concat'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Reads a body whole, up to `limit` bytes. A body that declares or sends
 * more is cancelled at once (the sender stops) and `tooLarge()` is thrown:
 * whoever sends it can make this hold at most `limit` bytes and one chunk.
 * The signal ends the read between chunks and while one is awaited.
 */
export async function readCapped (body: Response, limit: number, tooLarge: () => Error, options: AbortOptions = {}): Promise<Uint8Array> {
  options.signal?.throwIfAborted()
  const declared = Number(body.headers.get('content-length') ?? Number.NaN)
  if (declared > limit || body.body == null) {
    await body.body?.cancel().catch(() => {})
    if (declared > limit) {
      throw tooLarge()
    }
    return new Uint8Array(0)
  }
  const reader = body.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (let read = await raceSignal(reader.read(), options.signal); read.done !== true; read = await raceSignal(reader.read(), options.signal)) {
      size += read.value.byteLength
      if (size > limit) {
        throw tooLarge()
      }
      chunks.push(read.value)
    }
  } finally {
    // past the limit, or failed: the rest is not wanted (a no-op once the body ended)
    await reader.cancel().catch(() => {})
  }
  // what was read, not `limit` bytes set aside for every body
  return chunks.length === 1 ? chunks[0] : concat(chunks, size)
}
