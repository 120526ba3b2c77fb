import { InvalidRequestError } from './errors.ts'
import { MAX_HOST_LENGTH, labelForRoot, rootFromLabel } from './subdomain-label.ts'
import type { Namespace } from './subdomain-label.ts'

/**
 * Paths the gateway keeps for itself on every origin. On a subdomain origin
 * every other path is content (`/` is the content root), so the SW script and
 * its configuration live here rather than at `/sw.js` and `/edgeway.json`.
 */
export const RESERVED_PREFIX = '/_edgeway/'
export const SUBDOMAIN_SW_PATH = '/_edgeway/sw.js'
export const SUBDOMAIN_CONFIG_PATH = '/_edgeway/edgeway.json'

export interface SubdomainHost {
  namespace: Namespace
  /** The first part of the host, not yet checked: a root in label form, or anything a browser sent */
  label: string
  /** The host (with port) the subdomain belongs to: `localhost:8080` for `<label>.ipfs.localhost:8080` */
  gatewayHost: string
}

const PATH_GATEWAY = /^\/(ipfs|ipns)(?:\/([^/]*))?(\/.*)?$/

/**
 * `<label>.ipfs.<gateway host>` or `<label>.ipns.<gateway host>` split into
 * its parts, or null for any other host. `host` is a URL's host (port
 * included). Only the shape is checked; `rootFromLabel` checks the label.
 */
export function splitSubdomainHost (host: string): SubdomainHost | null {
  const match = /^(.+?)\.(ipfs|ipns)\.([^.].*)$/.exec(host.toLowerCase())
  if (match == null) {
    return null
  }
  const [, label, namespace, gatewayHost] = match
  return { namespace: namespace as Namespace, label, gatewayHost }
}

/**
 * The gateway a page or SW on `host` belongs to: `host` without its
 * `<label>.ipfs.` / `<label>.ipns.` on a subdomain origin, else `host` itself.
 */
export function gatewayHostOf (host: string): string {
  return splitSubdomainHost(host)?.gatewayHost ?? host.toLowerCase()
}

/**
 * The path gateway's equivalent of a content URL, `/ipfs/<cid>/<path>?<query>`
 * or `/ipns/<name>/<path>?<query>`:
 * - on a subdomain origin of `gatewayHost`, `/<path>?<query>` under the root
 *   its label names (`/_edgeway/` excepted: that is the gateway's own);
 * - elsewhere, a path gateway URL as it is.
 * Null when the URL is not content. Throws `InvalidRequestError` (400) for a
 * subdomain whose label names no root.
 */
export function contentPathFor (url: URL, gatewayHost: string): string | null {
  const subdomain = subdomainOf(url, gatewayHost)
  if (subdomain != null) {
    if (url.pathname.startsWith(RESERVED_PREFIX)) {
      return null
    }
    return `/${subdomain.namespace}/${rootFromLabel(subdomain.namespace, subdomain.label)}${url.pathname}${url.search}`
  }
  return PATH_GATEWAY.test(url.pathname) ? `${url.pathname}${url.search}` : null
}

/**
 * Where a path gateway URL on the gateway's own host moves in subdomain mode:
 * `/ipfs/<cid>/<path>?<query>` to `<cidv1>.ipfs.<host>/<path>?<query>`, and
 * `/ipns/<name>/…` to `<key or inlined name>.ipns.<host>/…`. Null for any
 * other URL, and on a host that is an IP address (it has no subdomains).
 * Throws `InvalidRequestError` (400) for a root that cannot be a label.
 */
export function toSubdomainUrl (url: URL, gatewayHost: string): string | null {
  const match = PATH_GATEWAY.exec(url.pathname)
  if (match == null || url.host !== gatewayHost.toLowerCase() || isIpAddress(url.hostname)) {
    return null
  }
  const [, namespace, root = '', rest = '/'] = match
  if (root === '') {
    throw new InvalidRequestError(`The path /${namespace}/ needs a ${namespace === 'ipfs' ? 'CID' : 'name'}: /${namespace}/<root>/<path>`)
  }
  return subdomainUrl(url.protocol, url.host, namespace as Namespace, decodeRoot(root), `${rest}${url.search}`)
}

/**
 * A content `Location` (`ipfs://<cid>/<path>`, `ipns://<name>/<path>`, or
 * the path forms `/ipfs/…`, `/ipns/…`) as a URL the browser can follow from
 * `requestUrl`: on a subdomain origin, a path on that same origin when the
 * root is its own, else the other root's origin; anywhere else, the path
 * gateway form, relative to the origin.
 * Any other location is returned as it is.
 */
export function gatewayLocationFor (location: string, requestUrl: URL, gatewayHost: string): string {
  const match = /^(?:(ipfs|ipns):\/\/|\/(ipfs|ipns)\/)([^/?#]+)(.*)$/.exec(location)
  if (match == null) {
    return location
  }
  const namespace = (match[1] ?? match[2]) as Namespace
  const [, , , root, rest] = match as unknown as [string, string, string, string, string]
  const target = new URL(rest, 'http://root.invalid/')
  const pathAndQuery = `${target.pathname}${target.search}`
  const subdomain = subdomainOf(requestUrl, gatewayHost)
  if (subdomain == null) {
    return `/${namespace}/${root}${pathAndQuery}`
  }
  if (subdomain.namespace === namespace && sameRoot(namespace, subdomain.label, root)) {
    return pathAndQuery
  }
  return subdomainUrl(requestUrl.protocol, subdomain.gatewayHost, namespace, root, pathAndQuery)
}

/**
 * Path-form content (`/ipfs/…`, `/ipns/…`) on an origin that is not a root's
 * own subdomain of `gatewayHost`: the gateway's origin in path mode, a dApp's
 * origin, an IP address. Such content shares its origin with the gateway's
 * storage and SW, and is answered sandboxed (content-sandbox.ts).
 */
export function isSharedOriginContent (url: URL, gatewayHost: string): boolean {
  return subdomainOf(url, gatewayHost) == null && PATH_GATEWAY.test(url.pathname)
}

/** The subdomain a URL is on when it belongs to `gatewayHost`. */
function subdomainOf (url: URL, gatewayHost: string): SubdomainHost | null {
  const subdomain = splitSubdomainHost(url.host)
  return subdomain != null && subdomain.gatewayHost === gatewayHost.toLowerCase() ? subdomain : null
}

function subdomainUrl (protocol: string, gatewayHost: string, namespace: Namespace, root: string, pathAndQuery: string): string {
  const host = `${labelForRoot(namespace, root)}.${namespace}.${gatewayHost}`
  if (host.replace(/:\d+$/, '').length > MAX_HOST_LENGTH) {
    throw new InvalidRequestError(`The subdomain for this ${namespace === 'ipfs' ? 'CID' : 'name'} is longer than a DNS name may be (${MAX_HOST_LENGTH} characters)`)
  }
  return `${protocol}//${host}${pathAndQuery}`
}

function sameRoot (namespace: Namespace, label: string, root: string): boolean {
  try {
    return labelForRoot(namespace, rootFromLabel(namespace, label)) === labelForRoot(namespace, root)
  } catch {
    return false
  }
}

function decodeRoot (root: string): string {
  try {
    return decodeURIComponent(root)
  } catch {
    throw new InvalidRequestError(`Malformed percent-encoding in path: ${root.slice(0, 80)}`)
  }
}

function isIpAddress (hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[')
}
