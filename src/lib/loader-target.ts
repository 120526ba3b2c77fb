import { InvalidRequestError } from './errors.ts'
import { isSharedOriginContent, splitSubdomainHost } from './subdomain-gateway.ts'

/**
 * Where the loader page is on an origin whose content is sandboxed (path
 * mode, a dApp's origin): a page of the gateway's, not content, so it may
 * run its script and register its peer with the SW.
 */
export const LOADER_PATH = '/_edgeway/loader'

/**
 * The content a loader page opens once fetched, as a path on its own
 * origin: on a root's own origin the page's own URL (the loader is that
 * navigation's answer); at `/_edgeway/loader?path=…` the path given, which
 * must be path-form content on the same origin (the loader never sends
 * anyone to another site). Throws `InvalidRequestError` (400) otherwise.
 */
export function loaderTarget (url: URL, gatewayHost: string): string {
  if (url.pathname !== LOADER_PATH) {
    return `${url.pathname}${url.search}${url.hash}`
  }
  const path = url.searchParams.get('path') ?? ''
  const target = path.startsWith('/') && !path.startsWith('//') ? new URL(path, url) : undefined
  if (target == null || target.origin !== url.origin || !isSharedOriginContent(target, gatewayHost)) {
    throw new InvalidRequestError('The loader opens content on this origin: /_edgeway/loader?path=/ipfs/<cid>/…')
  }
  return `${target.pathname}${target.search}${target.hash}`
}

/**
 * The whole DAG of the target's root as a CAR, on the same origin: what the
 * loader fetches so that the content and everything it loads next (a site's
 * style sheets, scripts, images, other pages) are in the store when shown.
 */
export function wholeDagPath (target: string, host: string): string {
  if (splitSubdomainHost(host) != null) {
    return '/?format=car'
  }
  const root = /^\/ipfs\/([^/?#]+)/.exec(target)?.[1]
  if (root == null) {
    throw new InvalidRequestError(`Not an /ipfs/ path: ${target.slice(0, 100)}`)
  }
  return `/ipfs/${root}?format=car`
}
