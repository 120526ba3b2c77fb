/**
 * The bridge between the service worker and a tab's peer. A SW cannot open
 * an RTCPeerConnection, so blocks only other browsers have are fetched by a
 * tab: the tab hands the SW a MessagePort, the SW asks it for blocks by CID,
 * and checks every block it gets back against its hash (it trusts the tab no
 * more than an edge).
 */
import type { PeerCarRequest } from './peer-car.ts'

/** Tab → SW (`postMessage` to the SW, with the port to use as `ports[0]`) */
export const BRIDGE_REGISTER = 'edgeway:bridge:register'
/** SW → tabs (`Client.postMessage`): a SW that has no port (it was restarted) asks open tabs to register */
export const BRIDGE_SOLICIT = 'edgeway:bridge:solicit'

export interface BridgeRegistration {
  type: typeof BRIDGE_REGISTER
  /** The tab peer's id */
  peerId: string
}

/**
 * SW → tab, on the port. `dial`: bitswap providers a router listed for what
 * the edges lack; the SW runs no libp2p, so the tab's peer dials them (through
 * its own address policy) and asks them for the blocks the SW then wants.
 */
export type BridgeRequest =
  | { type: 'want', id: number, cid: string, root?: string }
  | { type: 'dial', id: number, providers: Array<{ peerId: string, multiaddrs: string[] }> }
  | BridgeCarRequest
  | { type: 'credit', id: number, blocks: number }
  | { type: 'cancel', id: number }

/**
 * SW → tab: a CAR from other browsers announcing `root` (the protocol's
 * request, see src/lib/peer-car.ts). The tab sends at most `credit` blocks,
 * then waits for `credit` messages: one per block the SW's reader has taken,
 * so a paused reader holds the tab (and the peer behind it), and neither
 * side buffers more than the window.
 */
export interface BridgeCarRequest extends PeerCarRequest {
  type: 'car'
  id: number
  root: string
  credit: number
}

/** Blocks the SW lets the tab send ahead of its reader on one CAR (~4 MiB of 256 KiB blocks) */
export const CAR_CREDIT_BLOCKS = 16

/**
 * Tab → SW, on the port; `from` is the peer id that sent the block, or
 * `local` for the store; `dialled` lists the providers connected now
 */
export type BridgeReply =
  | { type: 'block', id: number, bytes: Uint8Array, from: string }
  | { type: 'missing', id: number, reason: string }
  | { type: 'dialled', id: number, peers: string[] }
  | { type: 'car-block', id: number, cid: string, bytes: Uint8Array, from: string }
  | { type: 'car-end', id: number }
  | { type: 'car-error', id: number, name: string, message: string, peer?: string }

/**
 * Tab → SW, on the port, unasked: how many peers (edges, providers, other
 * browsers) the tab's libp2p is connected to now, sent when it changes. With
 * none, nothing the SW cannot reach over HTTP can come through the tab, so a
 * request whose HTTP edges are all unreachable ends at once.
 */
export interface BridgeReach {
  type: 'reach'
  connections: number
}

export function isBridgeReach (data: unknown): data is BridgeReach {
  return data != null && typeof data === 'object' && (data as BridgeReach).type === 'reach' && Number.isSafeInteger((data as BridgeReach).connections)
}

export function isBridgeRegistration (data: unknown): data is BridgeRegistration {
  return data != null && typeof data === 'object' && (data as BridgeRegistration).type === BRIDGE_REGISTER && typeof (data as BridgeRegistration).peerId === 'string'
}
