import { errorToResponse } from '../src/lib/error-to-response.ts'

/**
 * One step of the service worker's request pipeline. `canHandle` is
 * synchronous: the SW must decide inside the fetch event whether to answer
 * at all, and requests no handler claims go to the network untouched.
 */
export interface Handler {
  readonly id: string
  canHandle(request: Request, url: URL): boolean
  handle(request: Request, url: URL, waitUntil: WaitUntil): Promise<Response>
}

/** Extends the SW's life past the response for work it started (FetchEvent.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void

/** The first handler that claims the request, or undefined for the network. */
export function findHandler (handlers: readonly Handler[], request: Request): { handler: Handler, url: URL } | undefined {
  const url = new URL(request.url)
  const handler = handlers.find(h => h.canHandle(request, url))
  return handler == null ? undefined : { handler, url }
}

export interface RunHandlerOptions {
  /**
   * The gateway page error pages link back to (on a root's own origin, `/`
   * is the content's)
   *
   * @default '/'
   */
  gatewayUrl?: string
}

/** Runs a handler; whatever it throws becomes a readable error page, never a crashed fetch. */
export async function runHandler (handler: Handler, request: Request, url: URL, waitUntil: WaitUntil = () => {}, options: RunHandlerOptions = {}): Promise<Response> {
  try {
    return await handler.handle(request, url, waitUntil)
  } catch (err) {
    return errorToResponse(err, { accept: request.headers.get('accept'), gatewayUrl: options.gatewayUrl })
  }
}
