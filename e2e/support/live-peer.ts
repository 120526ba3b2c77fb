/**
 * A peer that is live at an edge: a Node libp2p node (WebSockets, noise,
 * yamux, identify — what a browser tab speaks to an edge) holding an open
 * connection to it, plus signing of its own announcements. An edge lists a
 * peer only while it has such a connection, so tests of announcing and
 * listing need one; a throw-away key with no node is what a flooder has.
 */
import { request } from 'node:http'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { signAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { AnnouncementPayload, AnnouncementRecord } from '../../src/lib/provider-announcement.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { AbortOptions, PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface LivePeer {
  peerId: string
  privateKey: PrivateKey
  /** Closes the node, and with it the connection to the edge */
  stop(): Promise<void>
}

export interface LivePeerOptions extends AbortOptions {
  /** @default a fresh Ed25519 key */
  privateKey?: PrivateKey
}

/** Starts a node and resolves once it is connected to `edge`. */
export async function connectLivePeer (edge: EdgeEndpoint, options: LivePeerOptions = {}): Promise<LivePeer> {
  options.signal?.throwIfAborted()
  const privateKey = options.privateKey ?? await generateKeyPair('Ed25519')
  const node = await createLibp2p({
    privateKey,
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify() },
    // the test edge listens on loopback over plain ws://
    connectionGater: { denyDialMultiaddr: () => false }
  })
  try {
    await node.dial(multiaddr(edge.multiaddrs[0]), { signal: options.signal })
  } catch (err) {
    await node.stop()
    throw err
  }
  return { peerId: peerIdFromPrivateKey(privateKey).toString(), privateKey, stop: async () => { await node.stop() } }
}

/** The last Seq `announcementBy` used: each is higher, as a tab's announcer makes them */
let lastSeq = 0

/**
 * A signed announcement of `cids` by `key`, as a tab sends it (relay
 * addresses, a fresh timestamp, a Seq of now or higher); `overrides` change
 * any field before signing, and remove one given as `undefined`.
 */
export async function announcementBy (key: PrivateKey, cids: CID[], overrides: Partial<AnnouncementPayload> = {}): Promise<AnnouncementRecord> {
  lastSeq = Math.max(lastSeq + 1, Date.now())
  const payload: Record<string, unknown> = {
    CID: cids.map(String),
    Scope: 'block',
    Timestamp: new Date().toISOString(),
    TTL: 60_000,
    Seq: lastSeq,
    ID: peerIdFromPrivateKey(key).toString(),
    Addrs: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5/p2p-circuit/webrtc'],
    Protocols: ['transport-bitswap'],
    ...overrides
  }
  for (const [field, value] of Object.entries(payload)) {
    if (value === undefined) delete payload[field]
  }
  return signAnnouncement(key, payload as unknown as AnnouncementPayload)
}

export interface PutOptions extends AbortOptions {
  /** Send from this loopback address (127.0.0.2 is another client than 127.0.0.1) */
  localAddress?: string
}

/** `PUT /routing/v1/providers` with these records */
export async function putAnnouncements (http: string, records: unknown[], options: PutOptions = {}): Promise<Response> {
  const body = JSON.stringify({ Providers: records })
  const url = `${http}/routing/v1/providers`
  if (options.localAddress == null) {
    return fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body, signal: options.signal })
  }
  // fetch cannot choose its source address; node:http can
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, { method: 'PUT', localAddress: options.localAddress, headers: { 'Content-Type': 'application/json' }, signal: options.signal }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { resolve(new Response(Buffer.concat(chunks), { status: res.statusCode })) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
