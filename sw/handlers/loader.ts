import { LOADER_PATH, loaderTarget, loaderUrl } from '../../src/lib/loader-target.ts'
import { parseGatewayPath } from '../../src/lib/parse-gateway-url.ts'
import { contentPathFor, isSharedOriginContent } from '../../src/lib/subdomain-gateway.ts'
import { EDGE_PROBE_MS, browsersListedAt, edgesHoldRoot, loaderNeeded } from '../loader-decision.ts'
import { LOADER_ASSETS_PREFIX, LOADER_CSP, loaderHeaders, loaderPage } from '../loader-page.ts'
import type { Handler } from '../pipeline.ts'
import type { LoaderDecisionComponents } from '../loader-decision.ts'
import type { EdgeNode } from '../../src/node/create-edge-node.ts'
import type { CID } from 'multiformats/cid'

export interface LoaderHandlerComponents {
  /** The SW's own origin */
  origin: string
  /** The gateway's own host: `<root>.ipfs.<gatewayHost>` are its subdomain origins */
  gatewayHost: string
  /** What answers content when the loader is not needed: the content handler */
  content: Handler
  /** Subdomain mode: a path URL on the gateway's host is moved to its root's origin (the content handler does it) */
  subdomains(): Promise<boolean>
  node(): Promise<Pick<EdgeNode, 'config' | 'local'>>
  /** A tab of this origin has registered its peer */
  peerTabOpen(): boolean
  /**
   * The loader's script in the page build (`assets/loader-….js`), or
   * undefined where there is none: then no loader, content as before
   */
  script?: string
}

/**
 * A navigation to content only other browsers hold, in a browser with no tab
 * running a peer, is answered with the loader page instead of a 504: the
 * page runs a visitor's peer (a SW cannot use WebRTC), fetches the content
 * through the SW, then loads it again to show it. Every other request goes
 * to the content handler as it is.
 *
 * On a root's own origin the loader is the navigation's answer. On a shared
 * origin (path mode, a dApp) content is always answered sandboxed, without
 * scripts, and a page there may only steer the SW if it is not content: the
 * navigation is redirected to `/_edgeway/loader?path=…`, a page of the
 * gateway like `/`, and the content URL keeps its sandbox.
 */
export function loaderHandler (components: LoaderHandlerComponents): Handler {
  const { content, script } = components
  // one routing lookup (and its answers, kept a few seconds per root) per node: the edge list is the node's
  const lookups = new WeakMap<object, LoaderDecisionComponents['browsersListed']>()
  // a SW installed on a dApp's origin may have no gateway server behind it to serve the loader's script: there a
  // loader would never start, and the content handler's answer is better. Asked once per SW life while it is served
  let served: Promise<boolean> | undefined
  const scriptServed = async (): Promise<boolean> => {
    served ??= fetch(new URL(`${LOADER_ASSETS_PREFIX}${script}`, components.origin), { method: 'HEAD', signal: AbortSignal.timeout(EDGE_PROBE_MS) })
      .then(response => response.ok, () => false)
      .then(ok => {
        if (!ok) served = undefined
        return ok
      })
    return served
  }
  const decide = async (root: CID, signal: AbortSignal): Promise<boolean> => {
    const node = await components.node()
    let browsersListed = lookups.get(node)
    if (browsersListed == null) {
      browsersListed = browsersListedAt(node.config.edges)
      lookups.set(node, browsersListed)
    }
    const [needed, runs] = await Promise.all([loaderNeeded(root, {
      peerTabOpen: components.peerTabOpen,
      stored: async (cid, options) => node.local.has(cid, options),
      edgesHold: async (cid, options) => edgesHoldRoot(node.config.edges, cid, options),
      browsersListed
    }, { signal }), scriptServed()])
    return needed && runs
  }

  return {
    id: 'loader',
    canHandle (request, url) {
      return content.canHandle(request, url) || (script != null && request.method === 'GET' && url.origin === components.origin && url.pathname === LOADER_PATH)
    },
    async handle (request, url, waitUntil) {
      // asked for by name (path mode's redirect, "try again"): a loader whatever the SW would decide, for content
      // of this origin only
      if (script != null && url.pathname === LOADER_PATH && url.origin === components.origin) {
        loaderTarget(url, components.gatewayHost)
        return page(script, 0)
      }
      const root = script == null || request.mode !== 'navigate' ? undefined : await navigationRoot(url, components)
      if (root == null) {
        return content.handle(request, url, waitUntil)
      }
      const started = performance.now()
      if (!await decide(root, request.signal).catch(() => false)) {
        return content.handle(request, url, waitUntil)
      }
      const ms = performance.now() - started
      if (!isSharedOriginContent(url, components.gatewayHost)) {
        return page(script!, ms)
      }
      return new Response(null, { status: 303, headers: loaderHeaders(ms, { Location: loaderUrl(`${url.pathname}${url.search}`) }) })
    }
  }
}

function page (script: string, ms: number): Response {
  return new Response(loaderPage(script), { status: 200, headers: loaderHeaders(ms, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': LOADER_CSP }) })
}

/**
 * The root of an `/ipfs/` navigation the loader may answer: on a root's own
 * origin, or on a shared origin in path mode (in subdomain mode the content
 * handler moves it to its root's origin first). Undefined for anything else
 * (`/ipns/` names, malformed paths: the content handler answers those).
 */
async function navigationRoot (url: URL, components: Pick<LoaderHandlerComponents, 'gatewayHost' | 'subdomains'>): Promise<CID | undefined> {
  try {
    const path = contentPathFor(url, components.gatewayHost)
    const address = path == null ? null : parseGatewayPath(new URL(path, url).pathname)
    if (address?.protocol !== 'ipfs') {
      return undefined
    }
    if (isSharedOriginContent(url, components.gatewayHost) && await components.subdomains()) {
      return undefined
    }
    return address.cid
  } catch {
    return undefined
  }
}
