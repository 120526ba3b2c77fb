import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p, PeerId } from '@libp2p/interface'

/**
 * Whether a peer can be reached through this edge now: it holds an open
 * libp2p connection here. A browser's relay reservation lives on such a
 * connection and ends with it, so this covers reservations too.
 */
export function connectedHere (libp2p: Pick<Libp2p, 'getConnections'>): (peerId: string) => boolean {
  return (text) => {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(text)
    } catch {
      return false
    }
    return libp2p.getConnections(peerId).some(connection => connection.status === 'open')
  }
}
