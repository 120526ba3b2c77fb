import { FUNCTION_LIMITS, requestTooLargeMessage } from '../../src/functions/defaults.ts'
import { callOnEdges } from '../../src/functions/edge-call.ts'
import { parseFunctionCid } from '../../src/functions/function-cids.ts'
import { CREDENTIAL_HEADERS } from '../../src/functions/sandbox-call.ts'
import { sandboxed } from '../../src/lib/content-sandbox.ts'
import { ContentError, InvalidRequestError } from '../../src/lib/errors.ts'
import { readCapped } from '../../src/lib/read-capped.ts'
import { formatSourceHeader } from '../../src/lib/source-tally.ts'
import type { Handler } from '../pipeline.ts'
import type { EdgeCallComponents } from '../../src/functions/edge-call.ts'
import type { CID } from 'multiformats/cid'

export const FUNCTION_PATH = '/fn/'
const METHODS = new Set(['GET', 'HEAD', 'POST'])


export interface FunctionsHandlerComponents {
  /** This SW's origin: only its own `/fn/` paths are claimed */
  origin: string
  /** The edges in use and this browser's measurements of them */
  edges(): Promise<EdgeCallComponents>
}

/**
 * `GET|HEAD|POST /fn/<cid>/<path…>` on the gateway's origin: the function `<cid>`,
 * run on the edges that run functions, best first, the next when one cannot
 * (see `callOnEdges`). A SW cannot start a Worker, so it never runs a
 * function itself: running one in the browser is the SDK's `where: 'local'`.
 *
 * The answer shares the gateway's origin, so it is sandboxed like content in
 * path form (`onThisOrigin`): a function's HTML is shown and runs no script
 * there, and cannot reach the origin's stores or its SW. A body is read up to
 * the functions' request limit (413 past it), so a page cannot make the SW
 * hold more, and the page's cookies and credentials stay here.
 */
export function functionsHandler (components: FunctionsHandlerComponents): Handler {
  return {
    id: 'functions',
    canHandle (request, url) {
      return url.origin === components.origin && url.pathname.startsWith(FUNCTION_PATH) && METHODS.has(request.method)
    },
    async handle (request, url) {
      const [cidText = '', ...rest] = url.pathname.slice(FUNCTION_PATH.length).split('/')
      let cid: CID
      try {
        cid = parseFunctionCid(cidText)
      } catch (err: any) {
        throw new InvalidRequestError(`${String(err.message)}; call a function at /fn/<cid>/<path>`)
      }
      if (rest.length === 0 && request.method !== 'POST') {
        // the function's own space is /fn/<cid>/: a page there links relative to it, as a directory's does
        return onThisOrigin(new Response(null, { status: 301, headers: { Location: `${components.origin}${FUNCTION_PATH}${cidText}/${url.search}` } }))
      }
      const body = request.method === 'POST'
        ? await readCapped(new Response(request.body, { headers: request.headers }), FUNCTION_LIMITS.maxRequestBytes,
          () => new ContentError(requestTooLargeMessage(FUNCTION_LIMITS.maxRequestBytes), 413), { signal: request.signal })
        : new Uint8Array(0)
      const headers = new Headers(request.headers)
      // the page's own credentials for the gateway's origin: an edge has no business with them
      CREDENTIAL_HEADERS.forEach(name => { headers.delete(name) })
      const { response, edge } = await callOnEdges(await components.edges(), cid, `/${rest.join('/')}${url.search}`, {
        method: request.method,
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        signal: request.signal
      })
      if (request.mode === 'navigate' && response.redirected && edge != null) {
        // a form posted to a function that answered "see the result there" (the SW followed it, as fetch() does): the
        // browser is sent there, on this origin when it is the function's, so the address bar says where it is, its
        // relative links hold, and a reload does not post again. The function runs once more for that page
        const mount = `${edge}${FUNCTION_PATH}`
        const there = response.url.startsWith(mount) ? `${components.origin}${FUNCTION_PATH}${response.url.slice(mount.length)}` : response.url
        await response.body?.cancel()
        return onThisOrigin(new Response(null, { status: 303, headers: { Location: there, 'Cache-Control': 'no-store' } }))
      }
      return onThisOrigin(response)
    }
  }
}

/** An answer of this handler as this origin gives it: sandboxed, and no blocks by source, as every answer of the SW says */
function onThisOrigin (response: Response): Response {
  return sandboxed(response, { 'X-Edgeway-Source': formatSourceHeader({ cache: 0, edge: 0, peer: 0 }) })
}
