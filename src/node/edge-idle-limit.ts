import type { AbortOptions } from '@libp2p/interface'

/** The longest an edge may keep a request waiting for its next bytes, whatever the request's own timeout. */
const MAX_EDGE_IDLE_MS = 5_000

/** Sent nothing (no headers, or no more of the body) for the idle limit: the edge is abandoned, the next one asked. */
export class EdgeStalledError extends Error {
  static name = 'EdgeStalledError'
  name = 'EdgeStalledError'
}

/** A busy machine (or a proxy that reads a whole CAR before it answers) can keep a working edge quiet this long. */
const MIN_EDGE_IDLE_MS = 2_000

/**
 * How long one edge may stay silent before it is given up for the next
 * source: a quarter of the request's idle timeout, so a stalled edge leaves
 * time for others to answer before the request itself times out; at least
 * 2 s but never more than half the timeout, and at most 5 s, which an edge
 * that works never comes near (it waits on nothing but its own store).
 */
export function edgeIdleMs (requestTimeoutMs: number): number {
  return Math.max(1, Math.floor(Math.min(MAX_EDGE_IDLE_MS, Math.max(MIN_EDGE_IDLE_MS, requestTimeoutMs / 4), requestTimeoutMs / 2)))
}

export interface IdleLimitedResponse {
  response: Response
  /**
   * The body's chunks; throws EdgeStalledError when the next chunk does not
   * come within the limit. The limit runs only while a chunk is awaited, so a
   * caller that stops reading (backpressure) is not mistaken for a stall.
   */
  chunks: AsyncGenerator<Uint8Array>
}

/**
 * `fetch()` from an edge that must keep talking: headers, then each chunk of
 * the body, within `idleMs` of asking for them. Without this, an edge that
 * accepts a request and then says nothing holds it until the request's own
 * timeout, although another edge could have answered.
 */
export async function fetchWithIdleLimit (url: string, init: RequestInit, { idleMs, signal }: AbortOptions & { idleMs: number }): Promise<IdleLimitedResponse> {
  signal?.throwIfAborted()
  const stall = new AbortController()
  const combined = signal == null ? stall.signal : AbortSignal.any([stall.signal, signal])
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = (what: string): void => {
    timer = setTimeout(() => { stall.abort(new EdgeStalledError(`${url}: no ${what} for ${idleMs} ms`)) }, idleMs)
  }
  const stalled = (err: unknown): unknown => {
    signal?.throwIfAborted()
    return stall.signal.aborted ? stall.signal.reason : err
  }
  arm('response')
  let response: Response
  try {
    response = await fetch(url, { ...init, signal: combined })
  } catch (err) {
    throw stalled(err)
  } finally {
    clearTimeout(timer)
  }
  async function * chunks (): AsyncGenerator<Uint8Array> {
    if (response.body == null) {
      return
    }
    const reader = response.body.getReader()
    try {
      while (true) {
        arm('bytes')
        let next: ReadableStreamReadResult<Uint8Array>
        try {
          next = await reader.read()
        } catch (err) {
          throw stalled(err)
        } finally {
          clearTimeout(timer)
        }
        if (next.done === true) {
          return
        }
        yield next.value
      }
    } finally {
      // ended early (a lie, a limit, the caller stopping): the edge's response must end too
      await reader.cancel().catch(() => {})
    }
  }
  return { response, chunks: chunks() }
}
