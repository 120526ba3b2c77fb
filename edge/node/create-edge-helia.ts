import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { createHeliaLight } from 'helia'
import * as json from 'multiformats/codecs/json'
import { BLOCK_HASHERS } from '../../src/lib/block-hashers.ts'
import { LIBP2P_CONNECTION_LIMITS, RELAY_LIMITS } from './defaults.ts'
import { wsListenMultiaddr } from './edge-addresses.ts'
import type { EdgeHelia, EdgeServices, EdgeStores } from './types.ts'

export interface CreateEdgeHeliaOptions {
  host: string
  wsPort: number
}

/**
 * A Helia node that serves, and never fetches.
 *
 * libp2p is configured key by key (nothing from libp2p's or Helia's defaults):
 * one WebSocket listener, noise, yamux, identify and a circuit relay v2 server
 * so browsers can reach each other over WebRTC. There is no peer discovery,
 * bootstrap, DHT, autoNAT, UPnP or autoTLS: nothing reaches beyond the peers
 * that dial in (how many, and how fast: `LIBP2P_CONNECTION_LIMITS`). Bitswap
 * answers their wants from the blockstore; the edge itself only ever reads
 * its own blocks (see `Edge.blockstore`).
 */
export function createEdgeHelia (stores: EdgeStores, { host, wsPort }: CreateEdgeHeliaOptions): EdgeHelia {
  const helia = createHeliaLight({
    blockstore: stores.blockstore,
    datastore: stores.datastore,
    // every hash the browser verifies: CARs it imports and blocks it is sent are checked with them
    hashers: [...BLOCK_HASHERS],
    // every codec a browser may ask a CAR of: the edge walks the DAG to build it
    codecs: [json, dagCbor, dagJson],
    routers: []
  })

  const withP2p = withLibp2pLight<typeof helia, EdgeServices>(helia, {
    addresses: {
      listen: [wsListenMultiaddr(host, wsPort)]
    },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionManager: { ...LIBP2P_CONNECTION_LIMITS },
    services: {
      identify: identify(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: RELAY_LIMITS.maxReservations,
          defaultDataLimit: RELAY_LIMITS.dataLimit,
          defaultDurationLimit: RELAY_LIMITS.durationLimit
        }
      })
    }
  })

  return withBitswap(withP2p)
}
