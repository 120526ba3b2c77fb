import { edgeKey } from '../lib/edge-health.ts'
import type { EdgeEndpoint } from '../lib/types.ts'
import type { EdgeHealth } from '../node/edge-health-tracker.ts'
import type { CID } from 'multiformats/cid'

export interface EdgeCallComponents {
  /** The configured edges; those with an HTTP URL are asked, best first by `health` */
  edges: readonly EdgeEndpoint[]
  health: EdgeHealth
}

export interface EdgeCall {
  method: string
  headers: Headers
  /** Empty for GET and HEAD */
  body: Uint8Array<ArrayBuffer>
  signal?: AbortSignal
}

/** Statuses that say "not here", not "the function answered": the next edge is asked */
const NOT_HERE = new Set([404, 501, 503])

/**
 * Calls `/fn/<cid><pathAndQuery>` on the edges, best first by health, the
 * next when one is down, does not run functions (501), lacks the module
 * (404) or is busy (503). A function's own answer, an error too, is final.
 * Resolves with the answer and the edge that gave it; when none did, with
 * the last "not here" answer, or a 502.
 */
export async function callOnEdges ({ edges, health }: EdgeCallComponents, cid: CID, pathAndQuery: string, call: EdgeCall): Promise<{ response: Response, edge?: string }> {
  let notHere: Response | undefined
  for (const edge of health.rank(edges.filter(edge => edge.http != null), edgeKey)) {
    const key = edgeKey(edge)
    const started = performance.now()
    try {
      const response = await fetch(`${edge.http as string}/fn/${cid}${pathAndQuery}`, {
        method: call.method,
        headers: call.headers,
        body: call.body.byteLength > 0 ? call.body : undefined,
        signal: call.signal
      })
      if (NOT_HERE.has(response.status)) {
        // the last of these is the answer if no edge runs the function: its body is kept
        await notHere?.body?.cancel()
        notHere = response
        continue
      }
      health.answered(key, performance.now() - started)
      return { response, edge: edge.http }
    } catch {
      call.signal?.throwIfAborted()
      health.failed(key)
    }
  }
  return { response: notHere ?? functionTextResponse(502, `no edge answered for the function ${cid}`, cid) }
}

/** A plain-text answer about a function, marked with its CID */
export function functionTextResponse (status: number, message: string, cid: CID): Response {
  return new Response(`${message}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Edgeway-Function': cid.toString(), 'Cache-Control': 'no-store' } })
}
