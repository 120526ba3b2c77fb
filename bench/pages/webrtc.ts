/**
 * The WebRTC limit between two tabs. `start`/`pull`: a bare libp2p node with
 * the tab peer's transports and data channel settings, reachable through an
 * edge's circuit relay, sends random bytes on a stream of its own protocol to
 * another such page. `bare*`: the same bytes over a bare RTCDataChannel, no
 * libp2p, its offer and answer handed over by the benchmark. No store, no
 * hashing, no service worker: what WebRTC between two Chromium contexts
 * carries here, the ceiling of any tab-to-tab read in the same run.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { DATA_CHANNEL } from '../../src/peer/webrtc-channel.ts'
import type { Libp2p } from '@libp2p/interface'

const PROTOCOL = '/edgeway-bench/bytes/1.0.0'
/** A message: the tab peer's data channel message size */
const CHUNK = DATA_CHANNEL.maxMessageSize

export interface PullResult {
  /** From the dial's start until the WebRTC connection is up */
  dialMs: number
  /** From the stream's opening to its last byte */
  transferMs: number
  bytes: number
}

export interface WebrtcPage {
  start(edge: string): Promise<string[]>
  pull(addresses: string[], bytes: number): Promise<PullResult>
  bareOffer(bytes: number): Promise<string>
  bareAnswer(offer: string, bytes: number): Promise<string>
  bareAccept(answer: string): Promise<void>
  /** ms from the first message to the last byte */
  bareReceived(): Promise<number>
}

function randomChunk (): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(CHUNK)
  for (let i = 0; i < CHUNK; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536))
  return bytes
}

let node: Libp2p | undefined

/** Starts this page's node, holding a relay slot on the edge at `edge`; resolves to its WebRTC addresses. */
async function start (edge: string): Promise<string[]> {
  node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] }, dataChannel: DATA_CHANNEL })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // the benchmark's network is loopback only
    connectionGater: { denyDialMultiaddr: () => false }
  })
  const random = randomChunk()
  await node.handle(PROTOCOL, async (stream) => {
    // the request: how many bytes, in decimal, as the first message
    const asked = await new Promise<number>(resolve => {
      stream.addEventListener('message', (event) => { resolve(Number(new TextDecoder().decode(event.data.subarray()))) }, { once: true })
    })
    for (let sent = 0; sent < asked; sent += CHUNK) {
      if (!stream.send(random.subarray(0, Math.min(CHUNK, asked - sent)))) {
        await stream.onDrain()
      }
    }
    await stream.close()
  }, { runOnLimitedConnection: false })
  await node.dial(multiaddr(edge))
  const deadline = Date.now() + 30_000
  while (!node.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit/webrtc'))) {
    if (Date.now() > deadline) throw new Error('no relay slot on the edge after 30 s')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return node.getMultiaddrs().map(ma => ma.toString()).filter(ma => ma.includes('/webrtc'))
}

/** Pulls `bytes` from the page at `addresses` on one stream. */
async function pull (addresses: string[], bytes: number): Promise<PullResult> {
  if (node == null) throw new Error('start the node first')
  const began = performance.now()
  const connection = await node.dial(addresses.map(ma => multiaddr(ma)))
  if (connection.limits != null) throw new Error('connected through the relay, not over WebRTC')
  const dialMs = performance.now() - began
  const opened = performance.now()
  const stream = await connection.newStream(PROTOCOL, { runOnLimitedConnection: false })
  stream.send(new TextEncoder().encode(String(bytes)))
  let got = 0
  for await (const chunk of stream) {
    got += chunk.byteLength
  }
  return { dialMs, transferMs: performance.now() - opened, bytes: got }
}

let connection: RTCPeerConnection | undefined
let received: Promise<number> | undefined

/** This page's description once every (host) candidate is in it: no trickling, the benchmark hands it over whole */
async function described (pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>(resolve => {
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
    })
  }
  return JSON.stringify(pc.localDescription)
}

/** The sender's offer; its channel sends `bytes` once open, at most 8 MiB buffered, as the tab peer's channels do */
async function bareOffer (bytes: number): Promise<string> {
  connection = new RTCPeerConnection({ iceServers: [] })
  const channel = connection.createDataChannel('bytes')
  channel.bufferedAmountLowThreshold = DATA_CHANNEL.maxBufferedAmount / 2
  const random = randomChunk()
  channel.onopen = async () => {
    for (let sent = 0; sent < bytes; sent += CHUNK) {
      if (channel.bufferedAmount > DATA_CHANNEL.maxBufferedAmount) {
        await new Promise(resolve => { channel.onbufferedamountlow = resolve })
      }
      channel.send(random.subarray(0, Math.min(CHUNK, bytes - sent)))
    }
  }
  await connection.setLocalDescription(await connection.createOffer())
  return described(connection)
}

/** The receiver's answer to `offer`; `bareReceived` resolves once `bytes` arrived */
async function bareAnswer (offer: string, bytes: number): Promise<string> {
  const pc = connection = new RTCPeerConnection({ iceServers: [] })
  received = new Promise(resolve => {
    pc.ondatachannel = ({ channel }) => {
      channel.binaryType = 'arraybuffer'
      let got = 0
      let began = 0
      channel.onmessage = ({ data }) => {
        if (began === 0) began = performance.now()
        got += (data as ArrayBuffer).byteLength
        if (got >= bytes) resolve(performance.now() - began)
      }
    }
  })
  await pc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit)
  await pc.setLocalDescription(await pc.createAnswer())
  return described(pc)
}

async function bareAccept (answer: string): Promise<void> {
  await connection?.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit)
}

async function bareReceived (): Promise<number> {
  if (received == null) throw new Error('answer an offer first')
  return received
}

const api: WebrtcPage = { start, pull, bareOffer, bareAnswer, bareAccept, bareReceived }
Object.assign(globalThis, { edgewayWebrtc: api })
