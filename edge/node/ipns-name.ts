import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidIpnsNameError } from './errors.ts'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** The multicodec of a CID that names a libp2p public key (an IPNS name) */
const LIBP2P_KEY = 0x72

export interface IpnsName {
  /**
   * The one key every spelling of the name maps to: the base58btc peer id
   * (`12D3Koo…`, or `Qm…` for hashed keys), i.e. the key's multihash
   */
  key: string
  /** The name as IPNS writes it: a base36 CIDv1 with the libp2p-key codec, `k51…` */
  name: string
}

/**
 * Reads an IPNS name written as a CIDv1 with the libp2p-key codec, in any
 * multibase (`k51…`, `bafzaa…`), or as a base58btc peer id (`12D3Koo…`,
 * `Qm…`). Throws `InvalidIpnsNameError` for anything else, including CIDs of
 * content. The key itself is not checked: a name is only a lookup key here.
 */
export function parseIpnsName (text: string): IpnsName {
  const digest = decodeName(text)
  return {
    key: base58btc.baseEncode(digest.bytes),
    name: CID.createV1(LIBP2P_KEY, digest).toString(base36)
  }
}

function decodeName (text: string): MultihashDigest {
  if (text.startsWith('1') || text.startsWith('Q')) {
    try {
      return Digest.decode(base58btc.baseDecode(text))
    } catch {
      throw new InvalidIpnsNameError(`"${text}" is not a peer id`)
    }
  }

  let cid: CID
  try {
    cid = CID.parse(text)
  } catch {
    throw new InvalidIpnsNameError(`"${text}" is neither a peer id nor a CID`)
  }
  if (cid.version !== 1 || cid.code !== LIBP2P_KEY) {
    throw new InvalidIpnsNameError(`"${text}" is a CID of content, not of a key (libp2p-key, k51…)`)
  }
  return cid.multihash
}
