import { EdgeHttpBroker } from './edge-http-broker.ts'
import { EdgePeerSet } from './provider-dialer.ts'
import { PeerCarSource } from './peer-car-source.ts'
import { TabBridgeBroker } from './tab-bridge-broker.ts'
import type { CarSource, PeerCarBlocks } from './car-source.ts'
import type { EdgeHealth } from './edge-health-tracker.ts'
import type { EdgeMisses } from './edge-misses.ts'
import type { ProviderDiscovery } from './provider-discovery.ts'
import type { TabBlockSource } from './tab-bridge-broker.ts'
import type { VerifiedBlockstore } from './verified-blockstore.ts'
import type { EdgewayConfig } from '../lib/config.ts'
import type { BitswapProvider } from '../lib/routing-providers.ts'
import type { BlockBroker } from '@helia/interface'
import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { DNS } from '@multiformats/dns'
import type { CID } from 'multiformats/cid'

/**
 * What a block source is given by the node that runs it: the configuration,
 * the measurements and the shared bookkeeping between sources.
 */
export interface NodeComponents {
  config: EdgewayConfig
  logger: ComponentLogger
  /** The local store, hash-checked on read: where a source that serves others reads from */
  blockstore: VerifiedBlockstore
  dns: DNS
  /** The edges' measurements: they order the edges and time the hedged requests */
  health: EdgeHealth
  /** How long an edge may send nothing before the next one is asked */
  idleMs: number
  /** Blocks every HTTP edge answered 404 for: sources that start when the edges fail wait on it */
  edgeMisses: EdgeMisses
  /** Peer ids, as CID strings, whose blocks count as `edge`: the configured edges and the providers dialled */
  edgePeers: EdgePeerSet
  /** Providers found through the configured routers, when there are routers */
  discovery?: ProviderDiscovery
  /** Whether someone besides the HTTP edges and the providers may still send a block of `root` */
  othersMayHave(root: CID, options: AbortOptions): Promise<boolean>
  /** Every source of the node, in order; read when a request asks, once all of them are made */
  sources(): readonly BlockSource[]
}

/** One block source of the node, and what it can do for the others. */
export interface BlockSource {
  broker: BlockBroker
  /** `edges`: the edges or the providers routers list; `peers`: other browsers, through a tab */
  reaches: 'edges' | 'peers'
  /** Whether it has a libp2p connection open now, so bitswap may still deliver what HTTP could not */
  connected?(): boolean
  /** Connects bitswap providers a router listed, so this source asks them too; true once one is connected */
  connectProviders?(providers: BitswapProvider[], options: AbortOptions): Promise<boolean>
  /** Whole CAR ranges from the same place, for file reads the source policy shares out (segment-scheduler.ts) */
  cars?: CarSource
}

/** Makes a block source once the node's components exist: how the SW and the SDK choose what their node uses. */
export type BlockSourceFactory = (components: NodeComponents) => BlockSource

/**
 * The edges' trustless gateways over HTTP (`?format=raw`), hedged by health,
 * and the HTTP providers the routers list for what the edges lack. Bitswap
 * providers the routers list are handed to whichever source can dial them
 * (the node's own libp2p, or a tab's peer through the bridge).
 */
export function edgeHttp (): BlockSourceFactory {
  return components => ({
    reaches: 'edges',
    broker: new EdgeHttpBroker({
      edges: components.config.edges,
      misses: components.edgeMisses,
      health: components.health,
      idleMs: components.idleMs,
      discovery: components.discovery,
      otherSourcesReachable: () => components.sources().some(source => source.connected?.() === true),
      connectBitswap: async (providers, options) => {
        const dialer = components.sources().find(source => source.connectProviders != null)
        return dialer?.connectProviders?.(providers, options) ?? false
      },
      othersMayHave: components.othersMayHave
    })
  })
}

/** A tab's peer as the SW (or a page) reaches it: blocks by CID, and, for a SW, the libp2p dials it makes on its behalf */
export interface TabPeerLink extends TabBlockSource {
  /** A tab's peer is there to ask (a SW's bridge: a tab registered) */
  connected?(): boolean
  /** A tab's libp2p is connected to someone now, so bitswap through it may still deliver */
  reachesNetwork?(): boolean
  /** Has the tab's peer dial these bitswap providers; resolves to the peer ids it is connected to now */
  connectProviders?(providers: BitswapProvider[], options: AbortOptions): Promise<string[]>
  /** CARs from other browsers that announce the root, through the tab's peer (not yet checked: the caller hashes them) */
  carBlocks?: PeerCarBlocks
}

export interface TabBridgeSourceInit {
  /**
   * How long the HTTP edges get before the tab is asked too (see
   * TabBridgeBroker); without HTTP edges the tab is asked at once
   *
   * @default 1500
   */
  delayMs?: number
}

/**
 * A tab's peer: other browsers over WebRTC, and, for a SW (which runs no
 * libp2p of its own), the edges given only as multiaddrs and the bitswap
 * providers routers list, all reached by the tab's libp2p. Every block is
 * hashed here before anyone uses it.
 */
export function tabBridge (tabs: TabPeerLink, init: TabBridgeSourceInit = {}): BlockSourceFactory {
  return components => {
    const { config } = components
    // peer ids as the tab names them (`12D3…`); the configured edges, and the providers it dialled for this node
    const edgePeerIds = new EdgePeerSet(config.edges.flatMap(edge => edge.peerId ?? []))
    const httpEdges = config.edges.some(edge => edge.http != null)
    const libp2pEdges = config.edges.some(edge => edge.multiaddrs.length > 0)
    const connectProviders = tabs.connectProviders
    const carBlocks = tabs.carBlocks
    return {
      reaches: 'peers',
      // other browsers' CAR ranges, through the tab's peer, while a tab is there to ask
      cars: carBlocks == null ? undefined : new PeerCarSource({ blocks: carBlocks.bind(tabs), available: () => tabs.connected?.() !== false && tabs.reachesNetwork?.() !== false }),
      broker: new TabBridgeBroker({
        tabs,
        edgePeerIds,
        edgeMisses: components.edgeMisses,
        delayMs: httpEdges ? init.delayMs : 0
      }),
      // the tab's libp2p keeps the edges' multiaddrs connected: with it there, bitswap may still deliver
      connected: () => libp2pEdges && (tabs.reachesNetwork?.() ?? tabs.connected?.()) === true,
      connectProviders: connectProviders == null
        ? undefined
        : async (providers, options) => {
          const peers = await connectProviders.call(tabs, providers, options)
          peers.forEach(peer => { edgePeerIds.addDiscovered(peer) })
          return peers.length > 0
        }
    }
  }
}
