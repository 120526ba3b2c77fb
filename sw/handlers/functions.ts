import { CID } from 'multiformats/cid'
import { InvalidRequestError } from '../../src/lib/errors.ts'
import { callOnEdges } from '../../src/functions/edge-call.ts'
import type { Handler } from '../pipeline.ts'
import type { EdgeCallComponents } from '../../src/functions/edge-call.ts'

export const FUNCTION_PATH = '/fn/'
const METHODS = new Set(['GET', 'POST'])

export interface FunctionsHandlerComponents {
  /** This SW's origin: only its own `/fn/` paths are claimed */
  origin: string
  /** The edges in use and this browser's measurements of them */
  edges(): Promise<EdgeCallComponents>
}

/**
 * `GET|POST /fn/<cid>/<path…>` on the gateway's origin: the function `<cid>`,
 * run on the edges that run functions, best first, the next when one cannot
 * (see `callOnEdges`), its answer passed on as the edge gave it. A SW cannot
 * start a Worker, so it never runs a function itself: running one in the
 * browser is the SDK's `where: 'local'`.
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
        cid = CID.parse(cidText)
      } catch {
        throw new InvalidRequestError(`"${cidText}" is not a CID; call a function at /fn/<cid>/<path>`)
      }
      const body = request.method === 'POST' ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array(0)
      const { response } = await callOnEdges(await components.edges(), cid, `/${rest.join('/')}${url.search}`, {
        method: request.method,
        headers: new Headers(request.headers),
        body,
        signal: request.signal
      })
      return response
    }
  }
}
