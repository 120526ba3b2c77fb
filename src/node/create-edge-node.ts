import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { dnsLink } from '@helia/dnslink'
import { ipnsResolver } from '@helia/ipns'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { defaultLogger } from '@libp2p/logger'
import { dns as createDns } from '@multiformats/dns'
import { MemoryDatastore } from 'datastore-core'
import * as json from 'multiformats/codecs/json'
import { createHeliaLight } from 'helia'
import { BLOCK_HASHERS } from '../lib/block-hashers.ts'
import { dohJsonResolver } from './doh-json.ts'
import { EdgeCarFetcher } from './edge-car-fetcher.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { edgeIdleMs } from './edge-idle-limit.ts'
import { EdgePeerSet } from './provider-dialer.ts'
import { ProviderDiscovery } from './provider-discovery.ts'
import { EdgeMisses } from './edge-misses.ts'
import { EdgeIpnsRouting } from './edge-ipns-routing.ts'
import { peerIdToCidString } from './peer-cid.ts'
import { tarPlugin } from '../content/gateway/tar-plugin.ts'
import { streamFilePlugin } from '../content/stream-file-plugin.ts'
import { noDns } from './no-dns.ts'
import { PeerProviders } from './peer-providers.ts'
import { VerifiedBlockstore } from './verified-blockstore.ts'
import { SourceRates } from '../content/source-rates.ts'
import type { CarSource } from './car-source.ts'
import type { BlockSource, BlockSourceFactory, NodeComponents } from './block-sources.ts'
import type { EdgewayConfig } from '../lib/config.ts'
import type { NameResolvers } from '../content/resolve-name.ts'
import type { Helia } from '@helia/interface'
import type { VerifiedFetch } from '@helia/verified-fetch'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export type { BlockSource, BlockSourceFactory, NodeComponents } from './block-sources.ts'

export interface EdgeNodeInit {
  config: EdgewayConfig
  /** The local store (IndexedDB in browsers); every read from it is hash-checked */
  blockstore: Blockstore
  /**
   * Where blocks the store lacks come from, in order: the edges over HTTP
   * (`edgeHttp()`), bitswap over the node's own libp2p (`bitswap()`, in a
   * page), a tab's peer (`tabBridge()`). None waits for another
   */
  sources: BlockSourceFactory[]
  /**
   * Whether other browsers can be reached now (a tab's peer is there to ask
   * them); with it, the edges' routing is asked whether browsers announce a
   * response's content
   */
  peersReachable?(): boolean
  /**
   * The edges' measurements: they order the edges and time the hedged
   * requests, and outlive this node (the SW keeps one per life, in IndexedDB)
   *
   * @default fresh measurements, kept in memory
   */
  health?: EdgeHealth
}

/** A running Helia node wired to the configured edges, with verified-fetch on top. */
export interface EdgeNode {
  helia: Helia
  verifiedFetch: VerifiedFetch
  config: EdgewayConfig
  /** Batched fetching from the edges' trustless gateways (CAR requests) */
  cars: EdgeCarFetcher
  /** Other browsers' CARs, when the node can reach them */
  peerCars?: CarSource
  /** The throughput each CAR source showed, for the node's life: a read starts informed by the ones before */
  carRates: SourceRates
  /** The local store, hash-checked on read, written behind */
  local: VerifiedBlockstore
  /** IPNS (records from the edges, verified here) and DNSLink (the configured DoH resolver) */
  names: NameResolvers
  /** The edges' measurements this node records into and orders its requests by */
  health: EdgeHealth
  /**
   * Peer ids, as CID strings (how bitswap progress events name peers), whose
   * blocks count as `edge`: the configured edges and the providers a router
   * listed that this node dialled
   */
  edgePeers: Pick<ReadonlySet<string>, 'has'>
  /** Providers found through the configured routers, when there are routers */
  discovery?: ProviderDiscovery
  /**
   * Whether other browsers may share a response for `root`: peers are
   * reachable and the edges' routing lists browsers for it (only an edge's
   * word: a listed browser gets a share by what it delivers, never a wait)
   */
  peersListed(root: CID, options?: AbortOptions): Promise<boolean>
  /** Resolves when verified blocks received so far are written to the local store */
  flush(): Promise<void>
  stop(): Promise<void>
}

/**
 * Builds the node the service worker and the SDK fetch through. Nothing here
 * reaches beyond the configured edges and routers (and the providers those
 * routers list, for content the edges lack): no public routers, gateways,
 * bootstrap peers or discovery, whatever Helia's and libp2p's defaults are.
 */
export async function createEdgeNode (init: EdgeNodeInit, options: AbortOptions = {}): Promise<EdgeNode> {
  options.signal?.throwIfAborted()
  const { config } = init
  const logger = defaultLogger()
  const log = logger.forComponent('edgeway:node')

  const store = new VerifiedBlockstore(init.blockstore, logger.forComponent('edgeway:store'))
  // DNSLink only through the configured resolver; nothing else is ever looked up
  const dns = config.dohResolver == null ? noDns() : createDns({ resolvers: { '.': dohJsonResolver(config.dohResolver) } })
  const edgeMisses = new EdgeMisses()
  const health = init.health ?? new EdgeHealth()
  await health.load(options)
  const edgePeers = new EdgePeerSet(config.edges.flatMap(edge => {
    const cid = edge.peerId == null ? undefined : peerIdToCidString(edge.peerId)
    return cid == null ? [] : [cid]
  }))
  // content the edges lack is looked for through the routers; their answers never make a request peers-first
  const discovery = config.routers.length === 0
    ? undefined
    : new ProviderDiscovery({
      routers: config.routers,
      allowLocal: config.allowLocal,
      allowInsecure: config.allowInsecure,
      edgeUrls: config.edges.flatMap(edge => edge.http ?? []),
      edgePeers: config.edges.flatMap(edge => edge.peerId ?? [])
    })
  const peerProviders = new PeerProviders({ edges: config.edges })
  const sources: BlockSource[] = []
  const components: NodeComponents = {
    config,
    logger,
    blockstore: store,
    dns,
    health,
    // an edge that goes silent is left for the next well before the request's own timeout
    idleMs: edgeIdleMs(config.timeoutMs),
    edgeMisses,
    edgePeers,
    discovery,
    // an edge reached over libp2p only may have what the HTTP edges lack; other browsers are asked through a tab
    // only for content the edges list browsers for
    othersMayHave: async (root, options) => config.edges.some(edge => edge.http == null) ||
      (init.peersReachable?.() === true && await peerProviders.provided(root, options).catch(() => false)),
    sources: () => sources
  }
  sources.push(...init.sources.map(source => source(components)))
  // the node's sources, in the order given; none waits for another (a tab's peer waits for the edges a little,
  // see TabBridgeBroker, so a block is not fetched twice)
  const helia: Helia = createHeliaLight({
    blockstore: store,
    datastore: new MemoryDatastore(),
    logger,
    dns,
    codecs: [dagCbor, dagJson, json],
    // Helia checks what its sources send with the same hashers the local store does
    hashers: [...BLOCK_HASHERS],
    blockBrokers: sources.map(source => source.broker)
  })
  await helia.start()
  // the edges first, then the routers: `/routing/v1/ipns/<name>` is part of the same API (Kubo, someguy)
  const ipnsSources = [...config.edges.flatMap(edge => edge.http == null ? [] : [edge.http]), ...config.routers]
  const names: NameResolvers = {
    ipns: ipnsResolver(helia, { routers: [new EdgeIpnsRouting(ipnsSources)] }),
    dnsLink: dnsLink(helia),
    ipnsSources,
    dnsResolver: config.dohResolver
  }
  const verifiedFetch = await createVerifiedFetchWithHelia(helia, { withServerTiming: true, plugins: [streamFilePlugin(), tarPlugin()], ipnsResolver: names.ipns, dnsLink: names.dnsLink })
  log('started with %d edges and %d routers', config.edges.length, config.routers.length)
  return {
    helia,
    verifiedFetch,
    config,
    cars: new EdgeCarFetcher(config.edges, { health, idleMs: components.idleMs, discovery }),
    // a file read whose root the edges list browsers for is shared between the edges and them
    peerCars: sources.find(source => source.cars != null)?.cars,
    carRates: new SourceRates(),
    local: store,
    names,
    health,
    edgePeers,
    discovery,
    async peersListed (root, options = {}) {
      return init.peersReachable?.() === true && await peerProviders.provided(root, options)
    },
    flush: async () => { await Promise.all([store.flush(), health.flush()]) },
    async stop () {
      await verifiedFetch.stop()
      await helia.stop()
      await Promise.all([store.flush(), health.flush()])
    }
  }
}
