import { edgeKey } from '../lib/edge-health.ts'
import { HedgeFailedError, OutpacedError, hedge } from '../lib/hedge.ts'
import { readCapped } from '../lib/read-capped.ts'
import { withoutHeader } from '../lib/response-headers.ts'
import { FUNCTION_LIMITS } from './defaults.ts'
import type { CaughtEdges } from './caught-edges.ts'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { EdgeHealth } from '../node/edge-health-tracker.ts'
import type { CID } from 'multiformats/cid'

export interface EdgeCallComponents {
  /** The configured edges; those with an HTTP URL are asked, best first by `health` */
  edges: readonly EdgeEndpoint[]
  health: EdgeHealth
  /**
   * How long the edges have to answer (response headers) before the call is
   * answered 504; the client's `timeoutMs`
   *
   * @default EDGE_CALL_TIMEOUT_MS
   */
  timeoutMs?: number
  /** Edges whose answer for a function `recompute` caught: asked last for that function */
  caught?: CaughtEdges
}

/** The client configuration's default `timeoutMs` */
export const EDGE_CALL_TIMEOUT_MS = 30_000

export interface EdgeCall {
  method: string
  headers: Headers
  /** Text, or bytes; empty for GET and HEAD */
  body: string | Uint8Array<ArrayBuffer>
  signal?: AbortSignal
  /**
   * The caller's redirect mode, as `fetch()` takes it; a redirect the call
   * follows is the function's answer, wherever it leads
   *
   * @default 'follow'
   */
  redirect?: RequestRedirect
}

/** Statuses that say "not here", not "the function answered": the next edge is asked */
const NOT_HERE = new Set([404, 501, 503])

/** An edge that cannot run this call: it is not its answer, the next edge is asked */
class NotHereError extends Error {
  static name = 'NotHereError'
  name = 'NotHereError'
}

/**
 * Calls `/fn/<cid><pathAndQuery>` on the edges, best first by health, hedged
 * as content is: the next edge is asked too when one is slow to answer
 * (its hedge delay), and at once when one is down, does not run functions
 * (501), lacks the module (404) or is busy (503). The first answer of a
 * function, an error too, wins; the others are aborted. Hedging may run a
 * call on more than one edge: a function has no storage to act on twice,
 * and one granted fetch should make its fetches safe to repeat (docs/functions.md).
 * Resolves with the answer and the edge
 * that gave it; when none did, with the last "not here" answer and its edge
 * (`notHere`: a function may answer so itself), or a 502 of its own, with no
 * edge (a 504 when none answered within `timeoutMs`: the attempts are given
 * up, the edges still silent counted as failed; an answer's body is not
 * bound by it). An edge's `X-Edgeway-Verified` is never passed on: only
 * the SDK says it checked an answer.
 */
export async function callOnEdges ({ edges, health, timeoutMs = EDGE_CALL_TIMEOUT_MS, caught }: EdgeCallComponents, cid: CID, pathAndQuery: string, call: EdgeCall): Promise<EdgeAnswer> {
  /** The last "not here" answer whose body is whole (or being read), and its edge */
  let notHere: { read: Promise<NotHereAnswer | undefined>, passed: AbortController } | undefined
  // a timer, not AbortSignal.timeout: it is cleared once an edge answers, so the answer's body is the caller's to read
  const late = new AbortController()
  const timer = setTimeout(() => { late.abort(new DOMException(`no edge answered within ${timeoutMs} ms`, 'TimeoutError')) }, timeoutMs)
  const signal = call.signal == null ? late.signal : AbortSignal.any([late.signal, call.signal])
  // an edge whose /info says it runs no functions is not asked; one that says nothing is
  const ranked = health.rank(edges.filter(edge => edge.http != null && edge.functions !== false), edgeKey)
  const candidates = caught == null || caught.size === 0 ? ranked : lastIf(ranked, edge => caught.has(cid.toString(), edgeKey(edge)))
  try {
    const { value, candidate } = await hedge(candidates, async (edge, signal, answered) => {
      const key = edgeKey(edge)
      const started = performance.now()
      let response: Response
      try {
        response = await fetch(`${edge.http as string}/fn/${cid}${pathAndQuery}`, {
          method: call.method,
          headers: call.headers,
          body: call.body.length > 0 ? call.body : undefined,
          // a redirect fetch() would refuse is the function's answer all the same: the caller is told, the edge not blamed
          redirect: call.redirect === 'error' ? 'manual' : call.redirect,
          signal
        })
      } catch (err) {
        if ((signal.reason as Error | undefined)?.name === OutpacedError.name) {
          health.outpaced(key, performance.now() - started)
        } else if (call.signal?.aborted !== true) {
          // down, or still silent when the call's time ran out
          health.failed(key)
        }
        throw err
      }
      // where a redirect the function answered led is its answer, whatever that says (the edge ran the function)
      if (NOT_HERE.has(response.status) && !response.redirected) {
        // passed over at once, however its body comes: the last of these is the answer if no edge runs the function,
        // so its body is read meanwhile (as much as a function may answer, within the call's time; given up when
        // another edge answers)
        const { status, statusText, headers } = response
        // a later one takes its place (an earlier one being read is given up), unless its own body cannot be read
        const earlier = notHere
        earlier?.passed.abort()
        const passed = new AbortController()
        const read = readCapped(response, FUNCTION_LIMITS.maxResponseBytes, () => new NotHereError(`${edge.http} answered ${status} with too large a body`), { signal: AbortSignal.any([signal, passed.signal]) })
        notHere = {
          read: read.then(body => ({ response: new Response(body as Uint8Array<ArrayBuffer>, { status, statusText, headers }), edge: edge.http }), async () => earlier?.read),
          passed
        }
        throw new NotHereError(`${edge.http} answered ${status}`)
      }
      answered()
      health.answered(key, performance.now() - started)
      return response
    }, { delayMs: edge => health.hedgeDelayMs(edgeKey(edge)), signal })
    return { response: unmarked(value), edge: candidate.http, notHere: false }
  } catch (err) {
    call.signal?.throwIfAborted()
    if (!late.signal.aborted && (err as Error).name !== HedgeFailedError.name) throw err
    const last = await notHere?.read
    // the caller may have gone while that body came
    call.signal?.throwIfAborted()
    if (last != null) {
      return { response: unmarked(last.response), edge: last.edge, notHere: true }
    }
    return late.signal.aborted
      ? { response: functionTextResponse(504, `no edge answered for the function ${cid} within ${timeoutMs} ms`, cid), notHere: false }
      : { response: functionTextResponse(502, `no edge answered for the function ${cid}`, cid), notHere: false }
  } finally {
    clearTimeout(timer)
  }
}

/** `items` in their order, those `last` picks after the others */
function lastIf<T> (items: T[], last: (item: T) => boolean): T[] {
  return [...items.filter(item => !last(item)), ...items.filter(last)]
}

interface NotHereAnswer {
  response: Response
  edge?: string
}

export interface EdgeAnswer {
  response: Response
  /** The edge that answered; none for the 502 of no answer at all */
  edge?: string
  /** The answer is a 404, 501 or 503 (an edge that could not run the call, or the function's own), no other was had */
  notHere: boolean
}

/** The header with which the SDK marks an answer it checked (`invoke`'s `verify: 'recompute'`) */
export const VERIFIED_HEADER = 'X-Edgeway-Verified'

/** `response` without an edge's own `X-Edgeway-Verified` */
function unmarked (response: Response): Response {
  return withoutHeader(response, VERIFIED_HEADER)
}

/** A plain-text answer about a function, marked with its CID */
export function functionTextResponse (status: number, message: string, cid: CID, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Edgeway-Function': cid.toString(), 'Cache-Control': 'no-store', ...headers } })
}
