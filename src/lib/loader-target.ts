import { InvalidRequestError } from './errors.ts'
import { contentPathFor, splitSubdomainHost } from './subdomain-gateway.ts'

/**
 * Where the loader page is on an origin whose content is sandboxed (path
 * mode, a dApp's origin): a page of the gateway's, not content, so it may
 * run its script and register its peer with the SW.
 */
export const LOADER_PATH = '/_edgeway/loader'

/**
 * The content a loader page opens once fetched, as a path on its own
 * origin: on a root's own origin the page's own URL (the loader is that
 * navigation's answer); at `/_edgeway/loader?path=…` (path mode, and "try
 * again" anywhere) the path given, which must be content on the same origin
 * (the loader never sends anyone to another site, nor to the gateway's own
 * pages). Throws `InvalidRequestError` (400) otherwise. The progress page
 * (`pagePath` PROGRESS_PATH) takes its content the same way.
 */
export function loaderTarget (url: URL, gatewayHost: string, pagePath = LOADER_PATH): string {
  if (url.pathname !== pagePath) {
    return `${url.pathname}${url.search}${url.hash}`
  }
  const path = url.searchParams.get('path') ?? ''
  const target = path.startsWith('/') && !path.startsWith('//') ? new URL(path, url) : undefined
  if (target == null || target.origin !== url.origin || !isContent(target, gatewayHost)) {
    throw new InvalidRequestError(`The page opens content on this origin: ${pagePath}?path=/ipfs/<cid>/…`)
  }
  return `${target.pathname}${target.search}${target.hash}`
}

/** The loader page that opens `target` (a path `loaderTarget` gives) whatever the SW would decide: for "try again" */
export function loaderUrl (target: string): string {
  return `${LOADER_PATH}?path=${encodeURIComponent(target)}`
}

function isContent (url: URL, gatewayHost: string): boolean {
  try {
    return contentPathFor(url, gatewayHost) != null
  } catch {
    return false
  }
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
