import { CID } from 'multiformats/cid'
import { InvalidRequestError } from './errors.ts'

/** Longest path we accept after the CID, in bytes of the raw URL path. */
const MAX_PATH_LENGTH = 4096

export interface ContentAddress {
  protocol: 'ipfs'
  cid: CID
  /** The path inside the DAG, percent-encoded as on the wire, '' or starting with '/' */
  path: string
  /** The query string, including '?', or '' */
  search: string
}

/**
 * Recognise `/ipfs/<cid>[/<path>]` and return null for anything else, so the
 * handler pipeline can pass foreign paths on. A path that claims to be content
 * but is malformed throws `InvalidRequestError` (answered as 400).
 */
export function parseGatewayPath (pathname: string, search = ''): ContentAddress | null {
  const match = /^\/ipfs(?:\/([^/?#]*))?(\/.*)?$/.exec(pathname)
  if (match == null) {
    return null
  }
  const [, label = '', rest = ''] = match
  if (label === '') {
    throw new InvalidRequestError('The path /ipfs/ needs a CID: /ipfs/<cid>/<path>')
  }
  return { protocol: 'ipfs', cid: parseCid(decodeSegment(label)), path: checkPath(rest), search }
}

/**
 * Parse what a dApp hands the SDK: `ipfs://<cid>/<path>`, `/ipfs/<cid>/<path>`,
 * or a gateway URL `http(s)://host/ipfs/<cid>/<path>`.
 */
export function parseContentUrl (resource: string | URL): ContentAddress {
  const text = resource.toString()
  if (text.startsWith('ipfs://')) {
    const url = new URL(text)
    const address = parseGatewayPath(`/ipfs/${url.hostname}${url.pathname}`, url.search)
    if (address != null) {
      return address
    }
  } else {
    const url = new URL(text, 'http://gateway.invalid')
    const address = parseGatewayPath(url.pathname, url.search)
    if (address != null) {
      return address
    }
  }
  throw new InvalidRequestError(`Not a content address: ${abbreviate(text)} (expected ipfs://<cid>/<path> or /ipfs/<cid>/<path>)`)
}

/** The canonical `ipfs://` URL verified-fetch is given for an address. */
export function toIpfsUrl (address: ContentAddress): string {
  return `ipfs://${address.cid.toString()}${address.path}${address.search}`
}

export function parseCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch {
    // base58btc CIDv0 and multibase CIDv1 are the only forms a gateway path carries
    throw new InvalidRequestError(`Invalid CID: ${abbreviate(text)}`)
  }
}

function checkPath (path: string): string {
  if (path.length > MAX_PATH_LENGTH) {
    throw new InvalidRequestError(`Path is longer than ${MAX_PATH_LENGTH} characters`)
  }
  for (const segment of path.split('/')) {
    const decoded = decodeSegment(segment)
    if (decoded === '..' || decoded.includes('/') || decoded.includes('\0')) {
      throw new InvalidRequestError(`Invalid path segment: ${abbreviate(segment)}`)
    }
  }
  return path
}

function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new InvalidRequestError(`Malformed percent-encoding in path: ${abbreviate(segment)}`)
  }
}

function abbreviate (text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
