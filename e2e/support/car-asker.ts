/**
 * A peer that asks one browser for a CAR over `/edgeway/car/1.0.0`, whatever
 * that browser announces: what anyone connected to it could try. It reaches
 * the browser over WebRTC through the edge's relay, as other browsers do.
 *
 * Run as its own process (so it can sit in the tests' network namespace):
 *   node e2e/support/car-asker.ts --edge '<EDGE json>' --peer <peer id> --cid <cid>
 * Prints one JSON line: `{"blocks","bytes"}` for a CAR that ended well,
 * `{"blocks","bytes","error":{"name","message"}}` for one that did not; then
 * waits for SIGTERM.
 */
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { readPeerCar } from '../../src/peer/car-client.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'

const { values } = parseArgs({ options: { edge: { type: 'string' }, peer: { type: 'string' }, cid: { type: 'string' } } })
if (values.edge == null || values.peer == null || values.cid == null) {
  throw new Error('usage: car-asker.ts --edge <EDGE json> --peer <peer id> --cid <cid>')
}
const edge = JSON.parse(values.edge) as EdgeEndpoint

const libp2p = await createLibp2p({
  transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
  connectionGater: { denyDialMultiaddr: () => false }
})
await libp2p.dial(multiaddr(edge.multiaddrs[0]), { signal: AbortSignal.timeout(20_000) })
const connection = await libp2p.dial(multiaddr(`${edge.multiaddrs[0]}/p2p-circuit/webrtc/p2p/${values.peer}`), { signal: AbortSignal.timeout(30_000) })

let blocks = 0
let bytes = 0
let error: { name: string, message: string } | undefined
try {
  for await (const block of readPeerCar(connection, { cid: values.cid, scope: 'all' }, { signal: AbortSignal.timeout(30_000) })) {
    blocks++
    bytes += block.bytes.byteLength
  }
} catch (err) {
  error = { name: (err as Error).name, message: (err as Error).message }
}
process.stdout.write(`${JSON.stringify({ blocks, bytes, ...(error == null ? {} : { error }) })}\n`)

process.once('SIGTERM', () => {
  void Promise.resolve(libp2p.stop()).finally(() => { process.exit(0) })
})
