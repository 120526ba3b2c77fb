import { peerIdFromString } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { MAX_IDENTITY_DIGEST_BYTES, canVerify } from './hash-matches.ts'
import { InvalidRequestError } from './errors.ts'
import type { UnibaseDecoder } from 'multiformats/bases/interface'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** Longest path we accept after the CID, in bytes of the raw URL path. */
const MAX_PATH_LENGTH = 4096

/** The multicodec of a CID that names a public key (an IPNS name). */
const LIBP2P_KEY_CODE = 0x72

/** A DNS name as DNSLink uses it: labels of letters, digits and hyphens, at least one dot. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i

/**
 * Every multibase a CIDv1 may be written in: base32 in either case (`b…`,
 * `B…`), base36 (`k…`, `K…`), base58btc (`z…`), base16, base64… (the
 * identity "base", raw bytes in a string, is no way to write a URL).
 */
const ANY_MULTIBASE = Object.values(bases)
  .filter(base => base.prefix !== '\x00')
  .reduce<ReturnType<typeof bases.base32.decoder.or<string>>>((all, base) => all.or(base.decoder as UnibaseDecoder<string>), bases.base32.decoder.or(bases.base32upper.decoder))

interface AddressParts {
  /** The path inside the DAG, percent-encoded as on the wire, '' or starting with '/' */
  path: string
  /** The query string, including '?', or '' */
  search: string
}

/** `/ipfs/<cid>/<path>`: immutable content. */
export interface ContentAddress extends AddressParts {
  protocol: 'ipfs'
  cid: CID
}

/** `/ipns/<name>/<path>`: a mutable pointer, an IPNS key or a DNSLink domain. */
export interface NameAddress extends AddressParts {
  protocol: 'ipns'
  /** The name as written in the URL */
  name: string
  /** `key`: a public key's IPNS name; `dnslink`: a domain with a `_dnslink` TXT record */
  kind: 'key' | 'dnslink'
}

export type GatewayAddress = ContentAddress | NameAddress

/**
 * Recognise `/ipfs/<cid>[/<path>]` and `/ipns/<name>[/<path>]` and return null
 * for anything else, so the handler pipeline can pass foreign paths on. A path
 * that claims to be content but is malformed throws `InvalidRequestError`
 * (answered as 400).
 */
export function parseGatewayPath (pathname: string, search = ''): GatewayAddress | null {
  const match = /^\/(ipfs|ipns)(?:\/([^/?#]*))?(\/.*)?$/.exec(pathname)
  if (match == null) {
    return null
  }
  const [, protocol, label = '', rest = ''] = match
  if (label === '') {
    throw new InvalidRequestError(`The path /${protocol}/ needs a ${protocol === 'ipfs' ? 'CID: /ipfs/<cid>' : 'name: /ipns/<name>'}/<path>`)
  }
  const path = checkPath(rest)
  if (protocol === 'ipfs') {
    return { protocol: 'ipfs', cid: parseCid(decodeSegment(label)), path, search }
  }
  const name = decodeSegment(label)
  return { protocol: 'ipns', name, kind: nameKind(name), path, search }
}

/**
 * Parse what a dApp hands the SDK: `ipfs://<cid>/<path>`, `ipns://<name>/<path>`,
 * `/ipfs/…`, `/ipns/…`, or a gateway URL `http(s)://host/ipfs/<cid>/<path>`.
 */
export function parseContentUrl (resource: string | URL): GatewayAddress {
  const text = resource.toString()
  const scheme = /^(ipfs|ipns):\/\//.exec(text)?.[1]
  const url = scheme != null ? new URL(text) : new URL(text, 'http://gateway.invalid')
  const address = scheme != null
    ? parseGatewayPath(`/${scheme}/${url.hostname}${url.pathname}`, url.search)
    : parseGatewayPath(url.pathname, url.search)
  if (address != null) {
    return address
  }
  throw new InvalidRequestError(`Not a content address: ${abbreviate(text)} (expected ipfs://<cid>/<path> or /ipfs/<cid>/<path>)`)
}

/** The canonical `ipfs://` / `ipns://` URL verified-fetch is given for an address. */
export function toIpfsUrl (address: GatewayAddress): string {
  const root = address.protocol === 'ipfs' ? address.cid.toString() : address.name
  return `${address.protocol}://${root}${address.path}${address.search}`
}

/**
 * Where a `/ipfs/` path whose CID is written in another base or case moves
 * (`/ipfs/BAFY…`, `/ipfs/z…`, `/ipfs/k…`): the same path and query with the
 * CIDv1 in base32, lower case, the form verified-fetch and subdomain labels
 * name it by, so one piece of content has one URL (and one cache entry). A
 * CIDv0 stays as it is. Null when the path already is canonical or is not
 * `/ipfs/` content; throws `InvalidRequestError` (400) as `parseGatewayPath`.
 */
export function canonicalContentPath (pathname: string, search = ''): string | null {
  const address = parseGatewayPath(pathname, search)
  if (address?.protocol !== 'ipfs') {
    return null
  }
  const written = decodeSegment(pathname.split('/')[2] ?? '')
  const canonical = address.cid.toString()
  return written === canonical ? null : toGatewayPath(address)
}

/** The address as a gateway path, `/ipfs/<cid>/<path>?<query>`. */
export function toGatewayPath (address: GatewayAddress): string {
  const root = address.protocol === 'ipfs' ? address.cid.toString() : address.name
  return `/${address.protocol}/${root}${address.path}${address.search}`
}

/**
 * A CID from a URL, in any valid form: a base58btc CIDv0, or a CIDv1 in any
 * multibase and its case (`BAFY…` is base32 upper case, as valid as
 * `bafy…`). Refused (400) when it is malformed or hashed with a function no
 * block can be checked with here.
 */
export function parseCid (text: string): CID {
  let cid: CID
  try {
    // decoded afresh: a parsed CID remembers its text, and would print it (mixed case and all) as its own
    cid = CID.decode(CID.parse(text, ANY_MULTIBASE).bytes)
  } catch {
    throw new InvalidRequestError(`Invalid CID: ${abbreviate(text)}`)
  }
  if (!canVerify(cid.multihash.code)) {
    throw new InvalidRequestError(`Unsupported hash function 0x${cid.multihash.code.toString(16)} in ${abbreviate(text)}: blocks are verified with sha2-256, blake3, sha2-512 (or identity) only`)
  }
  if (cid.multihash.code === identity.code && cid.multihash.digest.byteLength > MAX_IDENTITY_DIGEST_BYTES) {
    throw new InvalidRequestError(`Identity CID too long in ${abbreviate(text)}: ${cid.multihash.digest.byteLength} inlined bytes, at most ${MAX_IDENTITY_DIGEST_BYTES}`)
  }
  return cid
}

/**
 * The canonical form of an IPNS key name, a CIDv1 `libp2p-key` in base36, for
 * a name given as a peer id (`12D3Koo…`, `Qm…`); undefined when it already is
 * canonical or is not a key.
 */
export function canonicalKeyName (name: string): string | undefined {
  if (/^(1|Qm)/.test(name)) {
    try {
      return peerIdFromString(name).toCID().toString(base36)
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The multihash an IPNS key name stands for (its public key, or the key's hash). */
export function keyDigest (name: string): MultihashDigest {
  if (/^(1|Qm)/.test(name)) {
    return peerIdFromString(name).toMultihash()
  }
  return CID.parse(name, ANY_MULTIBASE).multihash
}

function nameKind (name: string): NameAddress['kind'] {
  try {
    const cid = CID.parse(name, ANY_MULTIBASE)
    if (cid.code === LIBP2P_KEY_CODE) {
      return 'key'
    }
  } catch {}
  if (canonicalKeyName(name) != null) {
    return 'key'
  }
  if (DNS_NAME.test(name)) {
    return 'dnslink'
  }
  throw new InvalidRequestError(`Invalid IPNS name: ${abbreviate(name)} (expected a libp2p-key CID, a peer id or a DNSLink domain)`)
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
