import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { denyDialByPolicy } from '../lib/address-policy.ts'
import { BLOCK_HASHERS } from '../lib/block-hashers.ts'
import { keepConnected } from './keep-connected.ts'
import { ProviderDialer } from './provider-dialer.ts'
import type { BlockSourceFactory } from './block-sources.ts'
import type { BlockBroker, Helia } from '@helia/interface'
import type { HeliaWithLibp2p } from '@helia/libp2p'

/** How long a node with HTTP edges waits before dialling its edges over libp2p. */
const BITSWAP_DIAL_DELAY_MS = 3000

export class BitswapNotStartedError extends Error {
  static name = 'BitswapNotStartedError'
  name = 'BitswapNotStartedError'
}

/**
 * Bitswap over libp2p WebSockets: the edges given as multiaddrs, kept
 * connected, and the bitswap providers a router lists, dialled on demand,
 * all through a connection gater that keeps the address policy (loopback and
 * ws:// only when the configuration allows them). For a page (the SDK); a
 * SW reaches the same peers through a tab's peer instead, so a first visit
 * does not parse libp2p.
 *
 * Bitswap lives in a Helia of its own on the node's store: Helia adds it to
 * whichever node it is mixed into, and the node keeps its sources in one
 * ordered list it owns.
 */
export function bitswap (): BlockSourceFactory {
  return components => {
    const { config } = components
    const log = components.logger.forComponent('edgeway:node:bitswap')
    const multiaddrs = config.edges.flatMap(edge => edge.multiaddrs)
    const carrier = withBitswap(withLibp2pLight(createHeliaLight({
      blockstore: components.blockstore,
      datastore: new MemoryDatastore(),
      logger: components.logger,
      dns: components.dns,
      hashers: [...BLOCK_HASHERS]
    }), {
      addresses: { listen: [] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() },
      dns: components.dns,
      connectionGater: { denyDialMultiaddr: denyDialByPolicy(config) }
    })) as Helia & HeliaWithLibp2p
    const dialer = new ProviderDialer(components.edgePeers)
    let started = false
    let stopDialling = (): void => {}
    const inner = (): BlockBroker => {
      // Helia keeps the brokers its mixins added on the instance, outside its interface
      const found = started ? (carrier as unknown as { blockBrokers: BlockBroker[] }).blockBrokers.find(broker => broker.name === 'bitswap') : undefined
      if (found?.retrieve == null) throw new BitswapNotStartedError('bitswap has not started')
      return found
    }
    const broker: BlockBroker & { start(): Promise<void>, stop(): Promise<void> } = {
      name: 'bitswap',
      async start () {
        await carrier.start()
        started = true
        if (multiaddrs.length > 0) {
          // with HTTP edges, CAR streams carry the content and bitswap is the fallback: dial after the first responses
          const firstDialAfterMs = config.edges.some(edge => edge.http != null) ? BITSWAP_DIAL_DELAY_MS : 0
          stopDialling = keepConnected(carrier.libp2p, multiaddrs, log, { firstDialAfterMs })
        }
      },
      async stop () {
        stopDialling()
        started = false
        await carrier.stop()
      },
      async retrieve (cid, options) {
        return inner().retrieve!(cid, options)
      },
      async announce (cid, options) {
        await inner().announce?.(cid, options)
      }
    }
    return {
      reaches: 'edges',
      broker,
      // the libp2p here only ever connects to edges and listed providers: an open connection may still deliver
      connected: () => started && carrier.libp2p.getConnections().length > 0,
      connectProviders: async (providers, options) => started && dialer.connect(carrier.libp2p, providers, options)
    }
  }
}
