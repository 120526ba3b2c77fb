/// <reference lib="webworker" />
import { createGateway } from './gateway.ts'
import type { Gateway } from './gateway.ts'

export interface EdgewayHandlerOptions {
  /**
   * The configuration (`{ "edges": [...], "routers": [...] }`, as the
   * gateway's `/edgeway.json`), relative to the SW script
   *
   * @default 'edgeway.json' next to the SW script
   */
  configUrl?: string
}

/** A workbox route: `registerRoute(route.match, route.handler)`. */
export interface EdgewayRoute {
  match(options: { request: Request }): boolean
  handler(options: { event: ExtendableEvent, request: Request }): Promise<Response>
}

/**
 * What a dApp's own service worker wires in: `/ipfs/…` and `/ipns/…` requests
 * of the pages it controls are answered with verified content, everything
 * else is left to the dApp's handlers.
 */
export interface EdgewayHandler {
  /** Answers the event (call `event.respondWith` with it) or returns undefined: not content, the dApp's to answer */
  handleFetch(event: FetchEvent): Promise<Response> | undefined
  /**
   * Pass the SW's `message` events: pages running a peer register it here,
   * edge changes arrive, and `registerGateway()` tells a new version to take
   * over (`skipWaiting`) unless the page passed `takeOverUpdates: false`
   */
  handleMessage(event: ExtendableMessageEvent): void
  /** Starts the node ahead of the first request; call it in `activate` (`event.waitUntil(edgeway.activate())`) */
  activate(): Promise<void>
  /** The same as a workbox route, for a SW that routes with workbox */
  route: EdgewayRoute
}

/**
 * Builds the Edgeway handler for a service worker that is not Edgeway's own.
 * Call it once when the script runs and keep the result: the browser may stop
 * the SW at any time, and a new one starts from IndexedDB and the configuration.
 *
 * ```ts
 * const edgeway = createEdgewayHandler(self)
 * self.addEventListener('fetch', event => {
 *   const answer = edgeway.handleFetch(event)
 *   if (answer != null) event.respondWith(answer)
 * })
 * ```
 */
export function createEdgewayHandler (scope: ServiceWorkerGlobalScope, options: EdgewayHandlerOptions = {}): EdgewayHandler {
  // no gateway page here: the dApp's own pages are the dApp's to serve
  const gateway: Gateway = createGateway(scope, { configUrl: options.configUrl })
  return {
    handleFetch: event => gateway.respond(event),
    handleMessage: event => { gateway.onMessage(event) },
    activate: async () => gateway.activate(),
    route: {
      match: ({ request }) => gateway.handles(request),
      async handler ({ event, request }) {
        const answer = event instanceof FetchEvent ? gateway.respond(event) : undefined
        return answer ?? fetch(request)
      }
    }
  }
}
