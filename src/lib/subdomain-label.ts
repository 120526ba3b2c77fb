import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidRequestError } from './errors.ts'
import { parseCid } from './parse-gateway-url.ts'

/** Longest DNS label (RFC 1035, RFC 2181 §11) */
export const MAX_LABEL_LENGTH = 63
/** Longest DNS name in its text form */
export const MAX_HOST_LENGTH = 253

/** The multicodec of an IPNS name's public key */
const LIBP2P_KEY = 0x72

export type Namespace = 'ipfs' | 'ipns'

/**
 * The content root a subdomain label names, in the form the path gateway
 * takes: `<cid>.ipfs.` gives the CIDv1 in base32, `<key>.ipns.` the
 * libp2p-key in base36, `<inlined-dnslink>.ipns.` the DNSLink name. Throws
 * `InvalidRequestError` (400) for anything else: DNS is case-insensitive, so
 * a CIDv0 or another case-sensitive encoding cannot name content here.
 */
export function rootFromLabel (namespace: Namespace, label: string): string {
  if (label.length > MAX_LABEL_LENGTH) {
    throw new InvalidRequestError(`Subdomain label is longer than ${MAX_LABEL_LENGTH} characters: ${abbreviate(label)}`)
  }
  if (namespace === 'ipfs') {
    if (/^qm/i.test(label)) {
      throw new InvalidRequestError(`A CIDv0 cannot be a subdomain (DNS names ignore case): open /ipfs/<cid>/ on the gateway instead, which moves to the CIDv1 form. Label: ${abbreviate(label)}`)
    }
    const cid = labelCid(label)
    if (cid == null) {
      throw new InvalidRequestError(`Not a CIDv1 in base32 or base36: ${abbreviate(label)}`)
    }
    return cid.toString(base32)
  }
  const key = labelCid(label)
  if (key != null) {
    if (key.code !== LIBP2P_KEY) {
      throw new InvalidRequestError(`An IPNS subdomain needs a libp2p-key CID or a DNSLink name, not ${abbreviate(label)}`)
    }
    return key.toString(base36)
  }
  if (label.includes('.')) {
    throw new InvalidRequestError(`A DNSLink name must be inlined into one DNS label (- becomes --, then . becomes -): ${abbreviate(inlineDnslinkName(label))}`)
  }
  const name = decodeDnslinkLabel(label)
  if (!isDnslinkName(name) || inlineDnslinkName(name) !== label) {
    throw new InvalidRequestError(`Not a libp2p-key CID or an inlined DNSLink name: ${abbreviate(label)}`)
  }
  return name
}

/**
 * The subdomain label for a path gateway root (`/ipfs/<root>`, `/ipns/<root>`):
 * a CID as CIDv1 in base32, or base36 when base32 is longer than a label may
 * be; an IPNS key (CID or peer id) as a base36 libp2p-key; a DNSLink name
 * inlined. Throws `InvalidRequestError` (400) for an invalid root or one no
 * form fits into a label.
 */
export function labelForRoot (namespace: Namespace, root: string): string {
  if (namespace === 'ipfs') {
    const cid = parseCid(root).toV1()
    const label = [cid.toString(base32), cid.toString(base36)].find(text => text.length <= MAX_LABEL_LENGTH)
    if (label == null) {
      throw new InvalidRequestError(`This CID is too long for a subdomain (${MAX_LABEL_LENGTH} characters) even in base36: ${abbreviate(root)}`)
    }
    return label
  }
  const key = root.includes('.') ? null : ipnsKey(root)
  const label = key != null ? key.toString(base36) : isDnslinkName(root.toLowerCase()) ? inlineDnslinkName(root.toLowerCase()) : null
  if (label == null) {
    throw new InvalidRequestError(`Not an IPNS key or a DNSLink name: ${abbreviate(root)}`)
  }
  if (label.length > MAX_LABEL_LENGTH) {
    throw new InvalidRequestError(`This IPNS name is too long for a subdomain (${MAX_LABEL_LENGTH} characters): ${abbreviate(root)}`)
  }
  return label
}

/** A DNSLink name in one DNS label: every `-` becomes `--`, then every `.` becomes `-`. */
export function inlineDnslinkName (name: string): string {
  return name.replaceAll('-', '--').replaceAll('.', '-')
}

/** The inverse of `inlineDnslinkName`: `--` is a `-`, a `-` on its own is a `.`. */
export function decodeDnslinkLabel (label: string): string {
  return label.replace(/--|-/g, dashes => dashes === '--' ? '-' : '.')
}

/** A CID written in one of the two case-insensitive forms a label may carry. */
function labelCid (label: string): CID | null {
  if (!label.startsWith(base32.prefix) && !label.startsWith(base36.prefix)) {
    return null
  }
  try {
    return CID.parse(label.toLowerCase())
  } catch {
    return null
  }
}

/** An IPNS key as a libp2p-key CID: a CID (`k51…`, `bafz…`) or a base58 peer id (`12D3Koo…`, `Qm…`). */
function ipnsKey (text: string): CID | null {
  try {
    if (/^[1Q]/.test(text)) {
      return CID.createV1(LIBP2P_KEY, Digest.decode(base58btc.baseDecode(text)))
    }
    const cid = CID.parse(text)
    return cid.code === LIBP2P_KEY ? cid : null
  } catch {
    return null
  }
}

/** A fully qualified DNS name with at least two labels, each 1–63 letters, digits, `-` or `_`, no `-` at either end. */
function isDnslinkName (name: string): boolean {
  const labels = name.split('.')
  return name.length <= MAX_HOST_LENGTH && labels.length >= 2 &&
    labels.every(label => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))
}

function abbreviate (text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
