import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { BRIDGE_REGISTER, BRIDGE_SOLICIT } from '../lib/peer-bridge.ts'
import { BridgeCarSender } from './bridge-car-sender.ts'
import type { TabPeer } from './create-tab-peer.ts'
import type { BridgeReach, BridgeRegistration, BridgeReply, BridgeRequest } from '../lib/peer-bridge.ts'
import type { BitswapProvider } from '../lib/routing-providers.ts'

export interface ServiceWorkerBridgeOptions {
  /**
   * Blocks fetched for the SW at once. A peer answers all the wants it has in
   * one message, so a few at a time keeps blocks (and the SW's progress)
   * flowing rather than arriving in one late burst
   *
   * @default 4
   */
  concurrency?: number
  /**
   * Register again this often: the browser may have restarted the SW, which
   * loses every port
   *
   * @default 20000
   */
  reregisterEveryMs?: number
}

/** CARs the tab streams to the SW at once; each holds at most its credit of blocks */
const MAX_CARS = 8

/** How often the tab looks whether its libp2p connections changed, to tell the SW */
const REACH_EVERY_MS = 500
/** How often the tab tells the SW again what it told it before (`REACH_FRESH_MS` in the SW's bridge is longer) */
const REACH_REPEAT_MS = 2_000

/**
 * The tab's end of the SW bridge: hands the service worker a port and answers
 * its wants with the tab peer's blocks (the store, else other browsers over
 * WebRTC). Registers again when the controller changes, when a restarted SW
 * asks, and periodically. Returns a function that disconnects.
 */
export function connectServiceWorkerBridge (peer: Pick<TabPeer, 'peerId' | 'getBlock' | 'connectProviders' | 'status' | 'carBlocks'>, options: ServiceWorkerBridgeOptions = {}): () => void {
  const container = globalThis.navigator?.serviceWorker
  if (container == null) {
    return () => {}
  }
  const log = logger('edgeway:peer:bridge')
  const wants = new Map<number, AbortController>()
  /** CARs being sent to the SW, by request id: not queued with the wants (each is bounded by its own credit) */
  const cars = new Map<number, BridgeCarSender>()
  const queue: Array<() => Promise<void>> = []
  const concurrency = options.concurrency ?? 4
  let running = 0
  let port: MessagePort | undefined
  let stopped = false

  const next = (): void => {
    while (running < concurrency && queue.length > 0) {
      const task = queue.shift()!
      running++
      void task().finally(() => { running--; next() })
    }
  }

  const answer = (request: BridgeRequest, reply: MessagePort): void => {
    if (request.type === 'cancel') {
      wants.get(request.id)?.abort()
      wants.delete(request.id)
      cars.get(request.id)?.controller.abort()
      cars.delete(request.id)
      return
    }
    if (request.type === 'credit') {
      cars.get(request.id)?.grant(request.blocks)
      return
    }
    if (request.type === 'car') {
      if (cars.size >= MAX_CARS) {
        reply.postMessage({ type: 'car-error', id: request.id, name: 'PeerCarRefusedError', message: 'too many CARs at once' } satisfies BridgeReply)
        return
      }
      const sender = new BridgeCarSender(request.credit)
      cars.set(request.id, sender)
      void sender.send(peer, request, reply, log).finally(() => { cars.delete(request.id) })
      return
    }
    const controller = new AbortController()
    wants.set(request.id, controller)
    if (request.type === 'dial') {
      // dials are not queued behind blocks: the SW's next wants depend on them
      void dialFor(request.id, request.providers, controller, reply)
      return
    }
    queue.push(async () => { await fetchFor(request.id, request.cid, request.root, controller, reply) })
    next()
  }

  const dialFor = async (id: number, providers: unknown, controller: AbortController, reply: MessagePort): Promise<void> => {
    try {
      const peers = await peer.connectProviders(asProviders(providers), { signal: controller.signal })
      log('the SW asked to dial %d providers: %d connected', Array.isArray(providers) ? providers.length : 0, peers.length)
      reply.postMessage({ type: 'dialled', id, peers } satisfies BridgeReply)
    } catch {
      if (!controller.signal.aborted) {
        reply.postMessage({ type: 'dialled', id, peers: [] } satisfies BridgeReply)
      }
    } finally {
      wants.delete(id)
    }
  }

  const fetchFor = async (id: number, cid: string, root: string | undefined, controller: AbortController, reply: MessagePort): Promise<void> => {
    if (controller.signal.aborted) {
      return
    }
    const started = Date.now()
    try {
      const { bytes, from } = await peer.getBlock(CID.parse(cid), { signal: controller.signal, root: root == null ? undefined : CID.parse(root) })
      log('the SW wanted %s: %d bytes from %s in %d ms', cid, bytes.byteLength, from, Date.now() - started)
      // a copy: the store may keep the original in memory, and a transferred buffer is gone here
      const copy = bytes.slice()
      reply.postMessage({ type: 'block', id, bytes: copy, from } satisfies BridgeReply, [copy.buffer])
    } catch (err) {
      log('the SW wanted %s: not found in %d ms%s', cid, Date.now() - started, controller.signal.aborted ? ' (cancelled)' : '')
      if (!controller.signal.aborted) {
        reply.postMessage({ type: 'missing', id, reason: err instanceof Error ? err.message : String(err) } satisfies BridgeReply)
      }
    } finally {
      wants.delete(id)
    }
  }

  const register = async (): Promise<void> => {
    const registration = await container.getRegistration()
    const worker = container.controller ?? registration?.active
    if (worker == null || stopped) {
      return
    }
    const channel = new MessageChannel()
    channel.port1.onmessage = (event: MessageEvent<BridgeRequest>) => { answer(event.data, channel.port1) }
    worker.postMessage({ type: BRIDGE_REGISTER, peerId: peer.peerId } satisfies BridgeRegistration, [channel.port2])
    // wants in flight on the old port still answer there
    const old = port
    port = channel.port1
    setTimeout(() => { old?.close() }, 60_000)
    reported = undefined
    reportReach()
  }
  // the SW learns whether this tab reaches anyone over libp2p, and when that changes
  let reported: number | undefined
  let reportedAt = 0
  const reportReach = (): void => {
    if (port == null || stopped) return
    let connections: number
    try {
      const status = peer.status()
      connections = status.edges + status.peers
    } catch {
      return
    }
    // sent when it changes, and again every little while: the SW trusts a report only while it is fresh, so a
    // tab that closed (its port is never told) stops counting
    if (connections !== reported || Date.now() - reportedAt >= REACH_REPEAT_MS) {
      reported = connections
      reportedAt = Date.now()
      port.postMessage({ type: 'reach', connections } satisfies BridgeReach)
    }
  }
  const reachTimer = setInterval(reportReach, REACH_EVERY_MS)
  // a page that goes away (navigation, close) reaches nobody from then on: said at once, not left to go stale
  const onPageHide = (): void => { port?.postMessage({ type: 'reach', connections: 0 } satisfies BridgeReach) }
  globalThis.addEventListener?.('pagehide', onPageHide)
  const registerSoon = (): void => { void register().catch(() => {}) }

  const onMessage = (event: MessageEvent): void => {
    if ((event.data as { type?: string } | null)?.type === BRIDGE_SOLICIT) {
      registerSoon()
    }
  }
  container.addEventListener('message', onMessage)
  container.addEventListener('controllerchange', registerSoon)
  container.startMessages()
  const timer = setInterval(registerSoon, options.reregisterEveryMs ?? 20_000)
  void container.ready.then(registerSoon)

  return () => {
    stopped = true
    clearInterval(timer)
    clearInterval(reachTimer)
    globalThis.removeEventListener?.('pagehide', onPageHide)
    container.removeEventListener('message', onMessage)
    container.removeEventListener('controllerchange', registerSoon)
    wants.forEach(controller => { controller.abort() })
    cars.forEach(sender => { sender.controller.abort() })
    port?.close()
  }
}

/** The providers a SW sent, as far as they are well formed: the SW is trusted no more than a message is */
function asProviders (value: unknown): BitswapProvider[] {
  if (!Array.isArray(value)) return []
  return value.flatMap(item => {
    const { peerId, multiaddrs } = (item ?? {}) as Partial<BitswapProvider>
    return typeof peerId === 'string' && Array.isArray(multiaddrs)
      ? [{ peerId, multiaddrs: multiaddrs.filter(ma => typeof ma === 'string').slice(0, 8) }]
      : []
  }).slice(0, 8)
}
