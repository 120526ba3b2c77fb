import { ContentRequest } from './content-request.ts'
import { SmallSites } from './small-site.ts'
import { CONTENT_STEPS, runSteps } from './steps/index.ts'
import type { ContentStep } from './steps/index.ts'
import type { GatewayAddress } from '../lib/parse-gateway-url.ts'
import type { SourceUseListener } from '../lib/source-tally.ts'
import type { SourceCounts } from '../lib/types.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { AbortOptions } from '@libp2p/interface'

/** What the content engine uses of the browser node. */
export type ContentFetcherComponents = Pick<EdgeNode, 'helia' | 'verifiedFetch' | 'config' | 'cars' | 'local' | 'names' | 'edgePeers' | 'peerCars' | 'carRates' | 'peersListed'>

export interface ContentFetchInit extends AbortOptions {
  method?: string
  headers?: Headers
  /**
   * `manual` answers a directory without its trailing slash with a 301 (what
   * a gateway must do, so relative links work); `follow` answers its index
   *
   * @default 'follow'
   */
  redirect?: RequestRedirect
  /**
   * The content root is this origin's root (a subdomain or DNSLink site), so
   * the site's `_redirects` file applies to paths it does not have
   *
   * @default false
   */
  originRoot?: boolean
  /**
   * The request loads a document (a page or a frame): a small site's whole
   * directory may be fetched for the assets it will ask for
   *
   * @default false
   */
  navigation?: boolean
  /**
   * The gateway page an error page links back to: on a root's own origin
   * `/` is the content's, not the gateway's
   *
   * @default '/'
   */
  gatewayUrl?: string
  /** Called as the response's counts grow (a block as it is used, its bytes once known), for live statistics */
  onUse?: SourceUseListener
  /** Called once the body has been fully delivered (or failed) with this response's counts */
  onDone?(counts: SourceCounts): void
  /** Called when the answer is an error, with the error it says (the progress page shows what failed) */
  onError?(err: unknown): void
}

export interface ContentFetcher {
  /**
   * Answers one content request: every block is hashed before it is used,
   * the body streams as blocks arrive, and the response says where its
   * blocks came from. A request with no progress for the configured timeout
   * ends in 504 (or, once streaming, an aborted body), never a hang.
   */
  fetch(address: GatewayAddress, init?: ContentFetchInit): Promise<Response>
}

/**
 * The content engine: each request becomes a `ContentRequest` that passes
 * the ordered steps of steps/index.ts until one answers. A `_redirects` rule
 * runs the steps again for its target, as a request of its own one rule
 * deeper (site-redirect.ts bounds the depth), never through `fetch`.
 */
export function createContentFetcher (components: ContentFetcherComponents, steps: readonly ContentStep[] = CONTENT_STEPS): ContentFetcher {
  // what this node's navigations fetched whole, and what is still coming: shared by its requests
  const sites = new SmallSites(components)
  const start = async (address: GatewayAddress, init: ContentFetchInit, rules: number): Promise<Response> => {
    const follow = async (target: GatewayAddress, overrides: Pick<ContentFetchInit, 'method' | 'headers' | 'signal'> = {}): Promise<Response> =>
      start(target, { ...init, ...overrides, originRoot: false }, rules + 1)
    return runSteps(new ContentRequest(components, address, init, { rules, follow, sites }), steps)
  }
  return {
    async fetch (address, init = {}) {
      init.signal?.throwIfAborted()
      return start(address, init, 0)
    }
  }
}
