import type { RoutingRecord } from './routing-answer.ts'

/** The protocol a provider must list for blocks to be asked of it */
const BITSWAP = 'transport-bitswap'

/** `…/p2p/<relay>/p2p-circuit…`: reached through the relay `<relay>` */
const THROUGH_RELAY = /\/p2p\/([^/]+)\/p2p-circuit(?:\/|$)/

/**
 * The addresses through which a listed provider counts as a browser this
 * node can reach: it is not a configured edge, it speaks bitswap, and it is
 * reached through a configured edge's relay (a browser has no address of
 * its own). Empty when the record is not such a browser. A record passing
 * this may still be forged (a listing is only an edge's word): it decides
 * whether peers are tried, never what a read waits for (see peer-providers.ts).
 */
export function reachableBrowserAddrs (record: RoutingRecord, edgeIds: ReadonlySet<string>): string[] {
  if (edgeIds.has(record.ID) || !(record.Protocols ?? []).includes(BITSWAP)) {
    return []
  }
  return record.Addrs.filter(addr => {
    const relay = THROUGH_RELAY.exec(addr)?.[1]
    return relay != null && edgeIds.has(relay)
  })
}
