/**
 * A script (`node e2e/support/silent-peers.ts --edge <EDGE json> --cid <cid> [--count n]`)
 * that plays finding 3 against an edge that lists only peers connected to
 * it: `count` real libp2p nodes connect to the edge (so it lists them), each
 * announces `cid` with browser-like relay addresses through the edge, and
 * none of them ever delivers a block. Prints `{"peers":[…],"listed":n}` once
 * the announcements are in, and holds the connections until SIGTERM.
 */
import { parseArgs } from 'node:util'
import { CID } from 'multiformats/cid'
import { announcementBy, connectLivePeer, putAnnouncements } from './live-peer.ts'
import type { LivePeer } from './live-peer.ts'
import type { EdgeInfo } from '../../edge/node/types.ts'

/**
 * A refused connection is tried again after this: an edge takes only a few
 * new connections a second from one address (libp2p's inbound threshold),
 * which bounds how fast such peers can be made, not how many
 */
const RETRY_MS = 250

const { values } = parseArgs({ options: { edge: { type: 'string' }, cid: { type: 'string' }, count: { type: 'string' } } })
const edge = JSON.parse(values.edge ?? '{}') as EdgeInfo
const cid = CID.parse(values.cid ?? '')
const count = Number(values.count ?? 100)
const relay = edge.multiaddrs.find(ma => ma.includes('/ws')) ?? edge.multiaddrs[0]
const base = relay.includes('/p2p/') ? relay : `${relay}/p2p/${edge.peerId}`

const peers: LivePeer[] = []
while (peers.length < count) {
  try {
    peers.push(await connectLivePeer(edge, { signal: AbortSignal.timeout(10_000) }))
  } catch {
    await new Promise(resolve => setTimeout(resolve, RETRY_MS))
  }
}
const records = await Promise.all(peers.map(async peer => announcementBy(peer.privateKey, [cid], { Addrs: [`${base}/p2p-circuit`, `${base}/p2p-circuit/webrtc`] })))
const response = await putAnnouncements(edge.http, records)
const listed = await (await fetch(`${edge.http}/routing/v1/providers/${cid.toString()}`)).json().catch(() => ({ Providers: [] })) as { Providers?: unknown[] }
process.stdout.write(JSON.stringify({ peers: peers.map(peer => peer.peerId), status: response.status, listed: listed.Providers?.length ?? 0 }) + '\n')

process.on('SIGTERM', () => {
  void Promise.all(peers.map(async peer => peer.stop())).finally(() => { process.exit(0) })
})
