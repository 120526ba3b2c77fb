import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

/** The multicodec of a peer id as a CID */
const LIBP2P_KEY = 0x72

/**
 * A peer id (`12D3Koo…`, `Qm…`, or a `libp2p-key` CID) as the CID string
 * bitswap's progress events name peers by; undefined when it is not one.
 * Done with multiformats alone: a SW that never opens a libp2p connection
 * should not parse libp2p's key code (RSA and its ASN.1) to compare names.
 */
export function peerIdToCidString (peerId: string): string | undefined {
  try {
    if (peerId.startsWith('1') || peerId.startsWith('Q')) {
      return CID.createV1(LIBP2P_KEY, Digest.decode(base58btc.baseDecode(peerId))).toString()
    }
    const cid = CID.parse(peerId)
    return cid.code === LIBP2P_KEY ? cid.toV1().toString() : undefined
  } catch {
    return undefined
  }
}
