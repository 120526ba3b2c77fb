import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromCID, peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { denyDialByPolicy } from '../lib/address-policy.ts'
import { BLOCK_HASHERS } from '../lib/block-hashers.ts'
import { keepConnected } from '../node/keep-connected.ts'
import { noDns } from '../node/no-dns.ts'
import { isLocalCache } from '../node/local-cache.ts'
import { openLocalStore } from '../node/open-local-store.ts'
import { EdgePeerSet, ProviderDialer } from '../node/provider-dialer.ts'
import { VerifiedBlockstore } from '../node/verified-blockstore.ts'
import { CID } from 'multiformats/cid'
import { ChosenBlocks } from './chosen-blocks.ts'
import { EdgeProviderRouter } from './edge-provider-router.ts'
import { PeerBlockstore } from './peer-blockstore.ts'
import { listPublished } from './pin-marker.ts'
import { ProviderAnnouncer } from './provider-announcer.ts'
import { SharePolicy } from './share-policy.ts'
import { collect } from './collect.ts'
import { handleCarServer } from './car-server.ts'
import { PeerCarReader } from './peer-car-reader.ts'
import { DATA_CHANNEL } from './webrtc-channel.ts'
import type { PeerCarBlock } from './car-client.ts'
import type { CarBlocksOptions } from './peer-car-reader.ts'
import type { CarQuery } from '../node/edge-car-fetcher.ts'
import type { LocalCache } from '../node/local-cache.ts'
import type { EdgewayConfig } from '../lib/config.ts'
import type { TabPeerStatus } from '../lib/types.ts'
import type { BitswapProvider } from '../lib/routing-providers.ts'
import type { Helia } from '@helia/interface'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

export interface TabPeerInit {
  /** Edges to reserve a relay slot on and announce to; `iceServers` for WebRTC */
  config: EdgewayConfig
  /**
   * Serve other browsers what this browser shares (answer their bitswap
   * wants, and announce it at the edges); off shares nothing
   *
   * @default true
   */
  serving?: boolean
  /**
   * Share, besides what the user published or pinned, everything the store
   * holds: what this browser merely viewed. Anyone can then ask the edges
   * which content this browser viewed, so it is the user's explicit choice
   *
   * @default false
   */
  shareViewed?: boolean
  /**
   * The local store
   *
   * @default IndexedDB database "edgeway-blocks", shared with the SW and SDK on this origin
   */
  blockstore?: Blockstore
}

export type { TabPeerStatus }

/** How often a block still wanted is looked up again, and its providers dialled if not connected. */
const REDIAL_MS = 2_000

/** Longest one address may take to connect; a WebRTC dial through a relay takes well under a second when it works. */
const ADDRESS_DIAL_TIMEOUT_MS = 4_000

export interface GetBlockOptions extends AbortOptions {
  /**
   * The content the block belongs to: the block is asked only of the browsers
   * the edges list for this root (one lookup per root), not of every
   * connected peer, so content other browsers hold puts no load on the edges
   */
  root?: CID
}


/** How long a root's session (the browsers found for it) is kept after its last use */
const SESSION_IDLE_MS = 30_000

/** A block from the tab, and who sent it: `local` or a peer id. */
export interface TabBlock {
  bytes: Uint8Array
  from: string
}

/** A Helia/libp2p node in the page: the browser as a peer. */
export interface TabPeer {
  readonly peerId: string
  /** The local store (hash-checked on read, written behind) */
  readonly local: VerifiedBlockstore
  /** The store's budget and pins, when it is the origin's own store */
  readonly cache?: LocalCache
  status(): TabPeerStatus
  /** Switches serving others on or off; off withdraws this tab's announcements and refuses every want. */
  setServing(on: boolean): Promise<void>
  /**
   * Shares what this browser merely viewed too, or stops: off refuses wants
   * for those blocks at once and resolves once their records are withdrawn.
   */
  setShareViewed(on: boolean): Promise<void>
  /**
   * A block from the local store, else from other browsers (found through
   * the edges' routing, over WebRTC): hash-checked before it is stored or
   * returned.
   */
  getBlock(cid: CID, options?: GetBlockOptions): Promise<TabBlock>
  /**
   * Dials bitswap providers a router listed (for the SW, which runs no
   * libp2p), through this peer's address policy, so its wants reach them;
   * the peer ids connected now
   */
  connectProviders(providers: BitswapProvider[], options?: AbortOptions): Promise<string[]>
  /**
   * A CAR of `query` from another browser announcing `root`, over
   * `/edgeway/car/1.0.0` (see PeerCarReader): blocks hashed on arrival, a
   * typed PeerCarError when the peer refuses, stops or lies
   */
  carBlocks(query: CarQuery, options: CarBlocksOptions): AsyncGenerator<PeerCarBlock>
  /** Shares blocks the user just published, and makes them findable now, not at the next rescan. */
  announce(cids: CID[]): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts the tab's peer: WebSockets to the edges, a circuit relay v2 slot on
 * one of them, WebRTC to other browsers through it (ICE servers only as
 * configured), identify and bitswap, on the local store the SW shares. No
 * discovery, DHT or public routers: peers are found through the edges.
 */
export async function createTabPeer (init: TabPeerInit, options: AbortOptions = {}): Promise<TabPeer> {
  options.signal?.throwIfAborted()
  const { config } = init
  const logger = defaultLogger()
  const log = logger.forComponent('edgeway:peer')
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey).toString()
  const base = init.blockstore ?? await openLocalStore(options)
  const local = new VerifiedBlockstore(base, logger.forComponent('edgeway:peer:store'))
  const cache = isLocalCache(base) ? base : undefined
  const chosen = new ChosenBlocks({
    store: local,
    // Helia's own codecs; only read by the announcer, which starts after Helia does
    getCodec: async code => helia.getCodec(code),
    roots: sharedRoots(cache),
    log: logger.forComponent('edgeway:peer:share')
  })
  const policy = new SharePolicy({ serving: init.serving, shareViewed: init.shareViewed, chosen, store: local })
  const store = new PeerBlockstore(local, policy)
  const edgeIds = new Set(config.edges.flatMap(edge => edge.peerId == null ? [] : [edge.peerId]))
  const router = new EdgeProviderRouter({ edges: config.edges, self: peerId })

  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    blockstore: store,
    datastore: new MemoryDatastore(),
    logger,
    dns: noDns(),
    // blocks from other browsers are checked with every hash the SW verifies
    hashers: [...BLOCK_HASHERS],
    routers: [router]
  }), {
    privateKey,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: config.iceServers }, dataChannel: DATA_CHANNEL })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify() },
    // a WebRTC dial that has not connected by then is stalled (ICE on a busy machine): give up, so the next try can start
    connectionManager: { addressDialTimeout: ADDRESS_DIAL_TIMEOUT_MS },
    // loopback and ws:// (a relay's address included) only when the configuration says so
    connectionGater: { denyDialMultiaddr: denyDialByPolicy(config) }
  })) as Helia & HeliaWithLibp2p
  await helia.start()
  const libp2p = helia.libp2p
  await handleCarServer(libp2p, { blockstore: store, gate: policy, getCodec: async code => helia.getCodec(code), log: logger.forComponent('edgeway:peer:car-server') })
  const carReader = new PeerCarReader({ libp2p, router, log: logger.forComponent('edgeway:peer:car') })

  const relayAddresses = (): string[] => libp2p.getMultiaddrs()
    .map(ma => ma.toString())
    .filter(ma => ma.includes('/p2p-circuit'))
    .map(ma => ma.replace(`/p2p/${peerId}`, ''))
  const announcer = new ProviderAnnouncer({
    urls: config.edges.flatMap(edge => edge.http == null ? [] : [edge.http]),
    signer: privateKey,
    peerId,
    addresses: relayAddresses,
    blocks: options => policy.blocks(options),
    log: logger.forComponent('edgeway:peer:announce')
  })
  libp2p.addEventListener('self:peer:update', () => { announcer.addressesChanged() })
  const dialProviders = async (cid: CID, signal?: AbortSignal): Promise<void> => {
    try {
      for await (const provider of router.findProviders(cid, { signal })) {
        const id = peerIdFromCID(provider.id)
        if (libp2p.getConnections(id).some(connection => connection.limits == null)) {
          continue
        }
        await libp2p.dial(provider.multiaddrs.map(ma => ma.encapsulate(`/p2p/${id.toString()}`)), { signal }).catch((err: Error) => {
          log('could not dial provider %p of %c again - %e', id, cid, err)
        })
      }
    } catch {}
  }
  const sessions = new RootSessions(helia)
  // providers dialled for the SW count as edges here too: they are IPFS nodes a router listed, not browsers
  const providerDialer = new ProviderDialer(new EdgePeerSet(edgeIds))
  const stopDialling = keepConnected(libp2p, config.edges.flatMap(edge => edge.multiaddrs), log)
  if (policy.serving) {
    announcer.start()
  }
  log('peer %s started with %d edges', peerId, config.edges.length)

  return {
    peerId,
    local,
    cache,
    status () {
      const connections = libp2p.getConnections()
      const remotes = new Set(connections.map(connection => connection.remotePeer.toString()))
      const edges = [...remotes].filter(id => edgeIds.has(id)).length
      const webrtc = new Set(connections.filter(c => c.remoteAddr.toString().includes('/webrtc')).map(c => c.remotePeer.toString()))
      return {
        peerId,
        serving: policy.serving,
        shareViewed: policy.shareViewed,
        peers: remotes.size - edges,
        webrtcPeers: webrtc.size,
        edges,
        addresses: relayAddresses(),
        served: { ...store.served },
        announced: announcer.count
      }
    },
    async setServing (on) {
      if (on === policy.serving) {
        return
      }
      policy.serving = on
      if (on) {
        announcer.start()
      } else {
        await announcer.stop(true)
      }
      log('serving other peers: %s', on ? 'on' : 'off')
    },
    async setShareViewed (on) {
      // the gate follows at once; the records follow when the announcer has listed the shared blocks again
      policy.shareViewed = on
      await announcer.refresh()
      log('sharing what this browser viewed: %s', on ? 'on' : 'off')
    },
    async getBlock (cid, options = {}) {
      options.signal?.throwIfAborted()
      if (await local.has(cid, options)) {
        return { bytes: await collect(local.get(cid, options)), from: 'local' }
      }
      let from = 'peer'
      // bitswap dials the providers it finds once; one dial that fails (ICE on a busy machine) must not
      // leave the want waiting on nobody, so providers not connected yet are looked up and dialled again
      const redial = setInterval(() => { void dialProviders(options.root ?? cid, options.signal) }, REDIAL_MS)
      try {
        const source = options.root == null ? helia.blockstore : sessions.for(options.root)
        const bytes = await collect(source.get(cid, {
          signal: options.signal,
          onProgress: (event: { type: string, detail?: unknown }) => {
            if (event.type === 'helia:block-broker:receive-block') {
              from = peerIdFromCID((event.detail as { provider: CID }).provider).toString()
            }
          }
        }))
        return { bytes, from }
      } catch (err) {
        if (options.root != null && options.signal?.aborted !== true) {
          // a session that lost its providers (a dial that stalled evicts a peer for good) is not kept:
          // the next block starts a new one, which looks the root's providers up afresh
          sessions.drop(options.root)
        }
        throw err
      } finally {
        clearInterval(redial)
      }
    },
    async connectProviders (providers, options = {}) {
      await providerDialer.connect(libp2p, providers, options)
      return providers.filter(provider => {
        try {
          return libp2p.getConnections(peerIdFromString(provider.peerId)).length > 0
        } catch {
          return false
        }
      }).map(provider => provider.peerId)
    },
    carBlocks (query, options) {
      return carReader.carBlocks(query, options)
    },
    async announce (cids) {
      policy.choose(cids)
      await announcer.announce(cids)
    },
    async stop () {
      stopDialling()
      sessions.clear()
      await announcer.stop()
      await helia.stop()
      await local.flush()
    }
  }
}

/** The roots the user chose to share: what this origin published, and its pins (when the store is the origin's own). */
function sharedRoots (cache: LocalCache | undefined): (options: AbortOptions) => Promise<CID[]> {
  return async function (options) {
    const [published, pins] = await Promise.all([listPublished(), cache?.listPins(options) ?? []])
    return [...published, ...pins].map(root => CID.parse(root.cid))
  }
}

type Session = ReturnType<Helia['blockstore']['createSession']>

/**
 * Bitswap sessions by content root: a session finds the root's providers
 * through the routers (the edges' listing of browsers) and asks only them.
 * Kept while in use, so one file's blocks share one lookup and one set of
 * connections.
 */
class RootSessions {
  private readonly helia: Helia
  private readonly sessions = new Map<string, { session: Session, timer: ReturnType<typeof setTimeout> }>()

  constructor (helia: Helia) {
    this.helia = helia
  }

  for (root: CID): Session {
    const key = root.toString()
    let entry = this.sessions.get(key)
    if (entry == null) {
      entry = { session: this.helia.blockstore.createSession(root), timer: setTimeout(() => {}, 0) }
      this.sessions.set(key, entry)
    }
    clearTimeout(entry.timer)
    entry.timer = setTimeout(() => { this.sessions.delete(key) }, SESSION_IDLE_MS)
    return entry.session
  }

  drop (root: CID): void {
    const entry = this.sessions.get(root.toString())
    clearTimeout(entry?.timer)
    this.sessions.delete(root.toString())
  }

  clear (): void {
    this.sessions.forEach(entry => { clearTimeout(entry.timer) })
    this.sessions.clear()
  }
}
