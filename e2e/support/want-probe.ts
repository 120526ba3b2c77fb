/**
 * A peer that asks another peer for blocks directly, as any connected peer
 * can, and reports what it answered: the block, or "don't have". It dials the
 * target over WebRTC through the edge's relay (bitswap runs on direct
 * connections only, as a browser's does), sends one bitswap want per CID with
 * send-don't-have set, and reads the answers. What an attacker probing a
 * browser's history by asking would see.
 *
 * Run as its own process (so it can sit in the tests' network namespace):
 *   node e2e/support/want-probe.ts --addr <target multiaddr with /p2p/<id>> --cid <cid>...
 * Prints one JSON line `{"answers":{"<cid>":"block"|"dont-have"|"have"|"none"}}`
 * once every CID is answered (or after ANSWER_WAIT_MS), then waits for SIGTERM.
 */
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { BITSWAP_120, decodeMessage, encodeWantBlocks } from './bitswap-wire.ts'

/** A peer that holds a block answers within a second or two; past this, "none" is reported rather than waiting on */
const ANSWER_WAIT_MS = 30_000

const { values } = parseArgs({ options: { addr: { type: 'string' }, cid: { type: 'string', multiple: true } } })
if (values.addr == null || values.cid == null || values.cid.length === 0) {
  throw new Error('usage: want-probe.ts --addr <multiaddr/p2p/id> --cid <cid>...')
}
const wanted = values.cid.map(text => CID.parse(text))
const answers = new Map<string, string>()
let allAnswered: () => void = () => {}
const answered = new Promise<void>(resolve => { allAnswered = resolve })
const record = (cid: CID, answer: string): void => {
  if (!answers.has(cid.toString())) {
    answers.set(cid.toString(), answer)
  }
  if (answers.size === wanted.length) {
    allAnswered()
  }
}

const libp2p = await createLibp2p({
  transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
  // loopback only: the test runs in a loopback-only namespace
  connectionGater: { denyDialMultiaddr: () => false }
})
// the answers come back on streams the target opens to this peer
await libp2p.handle(BITSWAP_120, async (stream) => {
  for await (const data of lp.decode(stream)) {
    const message = await decodeMessage(data)
    for (const block of message.blocks) {
      const digest = (await sha256.digest(block.data)).digest
      const cid = wanted.find(cid => equals(cid.multihash.digest, digest))
      if (cid != null) {
        record(cid, 'block')
      }
    }
    for (const presence of message.presences) {
      const asked = CID.decode(presence.cid)
      const cid = wanted.find(cid => equals(cid.multihash.bytes, asked.multihash.bytes))
      if (cid != null) {
        record(cid, presence.has ? 'have' : 'dont-have')
      }
    }
  }
})

const stream = await libp2p.dialProtocol(multiaddr(values.addr), BITSWAP_120, { signal: AbortSignal.timeout(ANSWER_WAIT_MS) })
stream.send(lp.encode.single(await encodeWantBlocks(wanted.map(cid => cid.bytes))))
await stream.close()
const timer = setTimeout(allAnswered, ANSWER_WAIT_MS)
await answered
clearTimeout(timer)
process.stdout.write(`${JSON.stringify({ answers: Object.fromEntries(wanted.map(cid => [cid.toString(), answers.get(cid.toString()) ?? 'none'])) })}\n`)

process.once('SIGTERM', () => {
  void Promise.resolve(libp2p.stop()).finally(() => { process.exit(0) })
})
