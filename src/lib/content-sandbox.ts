import { withHeaders } from './response-headers.ts'

/**
 * The Content-Security-Policy of content answered in path form (`/ipfs/…`,
 * `/ipns/…`) on an origin it shares: the gateway's own origin in path mode,
 * or a dApp's origin where the SDK installed the SW. Such content must not
 * reach what the origin keeps (block store, edge list, settings, pins, the
 * SW's copies of edgeway.json and of the gateway page) nor post to the SW,
 * and with scripts off it can do none of that.
 *
 * `allow-same-origin` is what keeps the document controlled by the SW: a
 * sandbox without it gives the document an opaque origin, which no SW
 * controls (w3c/ServiceWorker#1390), and its CSS, images and frames would go
 * to the server, which has no content. A frame the content nests (the
 * gateway page, say) inherits the sandbox and runs no script either, and so
 * does a popup (no `allow-popups-to-escape-sandbox`).
 *
 * Content on its own origin (`<cid>.ipfs.<gateway>`) is not sandboxed: that
 * origin is the site's.
 */
export const SHARED_ORIGIN_CONTENT_CSP = 'sandbox allow-same-origin allow-forms allow-popups allow-downloads'

/**
 * The same answer under the sandbox: the same Response, its headers set in
 * place (copied only where its headers are immutable, the body handed on),
 * `also` set with them. A policy the answer has of its own (a function's
 * `frame-ancestors 'none'`) is kept beside the sandbox, since each policy is
 * enforced; a bare `sandbox` (an edge's, for its own origin) gives way to
 * this one, as it would give the document an opaque origin, which no SW
 * controls.
 */
export function sandboxed (response: Response, also: Record<string, string> = {}): Response {
  // a CSP header is a list of policies, split at commas as browsers split it
  const own = (response.headers.get('Content-Security-Policy') ?? '').split(',').map(policy => policy.trim()).filter(policy => policy !== '' && policy.toLowerCase() !== 'sandbox')
  return withHeaders(response, { 'Content-Security-Policy': [...own, SHARED_ORIGIN_CONTENT_CSP].join(', '), ...also })
}
