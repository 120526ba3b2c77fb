/**
 * A browser-like peer that lies: it holds a relay slot on an edge, listens for
 * WebRTC through it, announces itself at the edge's delegated routing as a
 * provider of a file's blocks, and answers every bitswap want for them with
 * the block's bytes with one bit flipped; a CAR asked of it over
 * `/edgeway/car/1.0.0` carries the same forged leaves. What a malicious or
 * broken browser looks like to another browser. With `--honest-nodes` it
 * sends the file's dag-pb nodes as they are (so another browser takes it for
 * a provider that delivers, and reads the file from it in CARs) and lies only
 * about the leaves.
 *
 * Run as its own process (so it can sit in the tests' network namespace):
 *   node e2e/support/lying-peer.ts --edge '<EDGE json>' --file <path> --report <path> [--honest-nodes]
 * It imports the file as the gateway page publishes (UnixFS, CIDv1, raw
 * leaves), so the CIDs it lies about are the ones an honest publisher of the
 * same file makes; prints one JSON line `{"peerId","root","cids"}` once the
 * edge lists it; appends a line to the report file for every lie it tells
 * (`<cid>` over bitswap, `<cid> car` in a CAR).
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { toString } from 'uint8arrays/to-string'
import * as dagPb from '@ipld/dag-pb'
import { handleCarServer } from '../../src/peer/car-server.ts'
import { ProviderAnnouncer } from '../../src/peer/provider-announcer.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { Helia } from '@helia/interface'
import type { Blockstore, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

const { values } = parseArgs({ options: { edge: { type: 'string' }, file: { type: 'string' }, report: { type: 'string' }, 'honest-nodes': { type: 'boolean' } } })
if (values.edge == null || values.file == null || values.report == null) {
  throw new Error('usage: lying-peer.ts --edge <EDGE json> --file <path> --report <path>')
}
const edge = JSON.parse(values.edge) as EdgeEndpoint
const report = values.report

/** The real blocks, by multihash, so each lie is the right block with one bit wrong */
const blocks = new Map<string, { cid: CID, bytes: Uint8Array }>()
const keyOf = (cid: CID): string => toString(cid.multihash.bytes, 'base64')
let root: CID | undefined
for await (const entry of importer([{ path: 'file', content: readFileSync(values.file) }], {
  put: async (cid: CID, bytes: Uint8Array) => { blocks.set(keyOf(cid), { cid, bytes }); return cid }
}, { cidVersion: 1, rawLeaves: true })) {
  root = entry.cid
}

const honestNodes = values['honest-nodes'] === true

/** Says it has every block of the file; hands out each with its first bit flipped (but dag-pb nodes, when honest about those). */
function lyingStore (channel: string): Pick<Blockstore, 'has' | 'get' | 'put' | 'getAll'> {
  return {
    async has (cid) { return blocks.has(keyOf(cid)) },
    async * get (cid) {
      const block = blocks.get(keyOf(cid))
      if (block == null) {
        throw Object.assign(new Error(`${cid} not here`), { name: 'NotFoundError' })
      }
      if (honestNodes && cid.code === dagPb.code) {
        yield block.bytes
        return
      }
      // a copy: the importer's bytes are Node Buffers, whose slice() is a view, so flipping it would change
      // the block kept here and make every other answer honest
      const lie = Uint8Array.from(block.bytes)
      lie[0] ^= 1
      appendFileSync(report, `${cid.toString()}${channel}\n`)
      yield lie
    },
    async put (cid) { return cid },
    async * getAll (): AsyncGenerator<Pair> {}
  }
}

const privateKey = await generateKeyPair('Ed25519')
const peerId = peerIdFromPrivateKey(privateKey).toString()
const logger = defaultLogger()
const helia = withBitswap(withLibp2pLight(createHeliaLight({
  blockstore: lyingStore('') as Blockstore,
  datastore: new MemoryDatastore(),
  logger
}), {
  privateKey,
  addresses: { listen: ['/p2p-circuit', '/webrtc'] },
  transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] } })],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [],
  services: { identify: identify() },
  connectionGater: { denyDialMultiaddr: () => false }
})) as Helia & HeliaWithLibp2p
await helia.start()
const libp2p = helia.libp2p
// the same exporter and framing an honest browser uses, over the same lies
await handleCarServer(libp2p, {
  blockstore: lyingStore(' car') as Blockstore,
  gate: { serves: () => true },
  getCodec: async code => helia.getCodec(code),
  log: logger.forComponent('edgeway:lying-peer:car')
})

const relayAddresses = (): string[] => libp2p.getMultiaddrs()
  .map(ma => ma.toString())
  .filter(ma => ma.endsWith(`/p2p-circuit/webrtc/p2p/${peerId}`))
  .map(ma => ma.replace(`/p2p/${peerId}`, ''))
const reserved = new Promise<void>(resolve => {
  libp2p.addEventListener('self:peer:update', () => { if (relayAddresses().length > 0) resolve() })
})
await libp2p.dial(multiaddr(edge.multiaddrs[0]))
await reserved

const announcer = new ProviderAnnouncer({
  urls: [edge.http!],
  signer: privateKey,
  peerId,
  addresses: relayAddresses,
  blocks: async function * () { yield * [...blocks.values()].map(block => block.cid) },
  log: logger.forComponent('edgeway:lying-peer')
})
announcer.start()
await announcer.announce([...blocks.values()].map(block => block.cid))
process.stdout.write(`${JSON.stringify({ peerId, root: root?.toString(), cids: [...blocks.values()].map(block => block.cid.toString()) })}\n`)

process.once('SIGTERM', () => {
  void announcer.stop(true).finally(async () => { await helia.stop(); process.exit(0) })
})
