import { logger } from '@libp2p/logger'
import { BRIDGE_SOLICIT, CAR_CREDIT_BLOCKS, isBridgeReach, isBridgeRegistration } from '../src/lib/peer-bridge.ts'
import { TabCarStream } from './tab-car-stream.ts'
import type { BridgeReach, BridgeReply, BridgeRequest } from '../src/lib/peer-bridge.ts'
import type { TabPeerLink } from '../src/node/block-sources.ts'
import type { PeerCarBlocks } from '../src/node/car-source.ts'
import type { BitswapProvider } from '../src/lib/routing-providers.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** How long a SW with no registered tab waits for open tabs to register after it asked them to. */
const SOLICIT_WAIT_MS = 1_500

/** How long a tab's report of its libp2p connections counts (tabs repeat it every 2 s) */
const REACH_FRESH_MS = 5_000

export interface TabBridge extends Required<TabPeerLink> {
  /** A tab has registered its peer (it may have closed since: a request finds out) */
  connected(): boolean
  /** A registered tab's libp2p is connected to someone (an edge, a provider, another browser) */
  reachesNetwork(): boolean
  /** Has the newest tab's peer dial bitswap providers; the peer ids it is connected to now (none without a tab) */
  connectProviders(providers: BitswapProvider[], options: AbortOptions): Promise<string[]>
  /** CARs from other browsers, streamed by the newest tab's peer with credit-based flow control */
  carBlocks: PeerCarBlocks
  /** A `message` event: a tab registering its port (anything else is ignored) */
  onMessage(event: ExtendableMessageEvent): void
}

export class NoPeerTabError extends Error {
  static name = 'NoPeerTabError'
  name = 'NoPeerTabError'
}

interface RegisteredTab {
  clientId: string
  peerId: string
  port: MessagePort
  /** The tab's libp2p connections, as it last reported them (none until it does) */
  connections: number
  /** When it last reported them: a tab that closed stops reporting, and its old count stops counting */
  reachAt: number
}

interface Pending {
  resolve(reply: BridgeReply): void
  reject(err: Error): void
}

/**
 * The SW's end of the tab bridge: the ports tabs registered, newest first.
 * Ports are lost when the browser restarts the SW; tabs register again on
 * their own every little while, and a request that finds no port asks every
 * open tab to register before it gives up.
 */
export function createTabBridge (scope: ServiceWorkerGlobalScope): TabBridge {
  const log = logger('edgeway:sw:bridge')
  const tabs: RegisteredTab[] = []
  const pending = new Map<number, Pending>()
  const registered = new Set<() => void>()
  /** CARs being streamed, by request id, and the tab that streams each */
  const cars = new Map<number, { stream: TabCarStream, tab: RegisteredTab }>()
  let nextId = 1

  const onReply = (event: MessageEvent<BridgeReply>): void => {
    const reply = event.data
    if (reply?.type === 'car-block' || reply?.type === 'car-end' || reply?.type === 'car-error') {
      cars.get(reply.id)?.stream.push(reply)
      return
    }
    const waiting = pending.get(reply?.id)
    if (waiting == null) {
      return
    }
    pending.delete(reply.id)
    waiting.resolve(reply)
  }

  /** Sends `request` to the newest open tab and resolves to its reply; cancelled there when `signal` aborts */
  const ask = async (request: Extract<BridgeRequest, { type: 'want' | 'dial' }>, options: AbortOptions): Promise<BridgeReply> => {
    options.signal?.throwIfAborted()
    const tab = await pick(options.signal)
    options.signal?.throwIfAborted()
    if (tab == null) {
      throw new NoPeerTabError('no tab with an Edgeway peer is open to ask other browsers')
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        pending.delete(request.id)
        post(tab, { type: 'cancel', id: request.id })
        reject(options.signal?.reason)
      }
      pending.set(request.id, {
        resolve: (reply) => { options.signal?.removeEventListener('abort', onAbort); resolve(reply) },
        reject: (err) => { options.signal?.removeEventListener('abort', onAbort); reject(err) }
      })
      options.signal?.addEventListener('abort', onAbort, { once: true })
      post(tab, request)
    })
  }

  /** The newest tab that is still open; a closed one is dropped. */
  const pick = async (signal?: AbortSignal): Promise<RegisteredTab | undefined> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      while (tabs.length > 0) {
        const tab = tabs[0]
        if (await scope.clients.get(tab.clientId) != null) {
          return tab
        }
        tabs.shift()
        tab.port.close()
      }
      if (attempt === 0) {
        await solicit(signal)
      }
    }
    return undefined
  }

  const solicit = async (signal?: AbortSignal): Promise<void> => {
    const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true })
    if (windows.length === 0) {
      return
    }
    const arrived = new Promise<void>(resolve => {
      const done = (): void => { registered.delete(done); clearTimeout(timer); resolve() }
      const timer = setTimeout(done, SOLICIT_WAIT_MS)
      registered.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
    windows.forEach(client => { client.postMessage({ type: BRIDGE_SOLICIT }) })
    await arrived
  }

  return {
    onMessage (event) {
      const source = event.source as Client | null
      if (!isBridgeRegistration(event.data) || event.ports[0] == null || source == null) {
        return
      }
      const port = event.ports[0]
      const previous = tabs.findIndex(tab => tab.clientId === source.id)
      if (previous >= 0) {
        const old = tabs.splice(previous, 1)[0]
        old.port.close()
        // CARs on its old port get no more replies: their readers go on elsewhere
        cars.forEach(car => { if (car.tab === old) car.stream.fail('the tab registered again') })
      }
      const tab: RegisteredTab = { clientId: source.id, peerId: event.data.peerId, port, connections: 0, reachAt: 0 }
      port.onmessage = (message: MessageEvent<BridgeReply | BridgeReach>) => {
        if (isBridgeReach(message.data)) {
          tab.connections = message.data.connections
          tab.reachAt = Date.now()
        } else {
          onReply(message as MessageEvent<BridgeReply>)
        }
      }
      tabs.unshift(tab)
      log('tab %s registered its peer %s', source.id, event.data.peerId)
      registered.forEach(wake => { wake() })
    },
    connected () {
      return tabs.length > 0
    },
    reachesNetwork () {
      const now = Date.now()
      return tabs.some(tab => tab.connections > 0 && now - tab.reachAt < REACH_FRESH_MS)
    },
    async request (cid: CID, options: AbortOptions & { root?: string }) {
      const reply = await ask({ type: 'want', id: nextId++, cid: cid.toString(), ...(options.root == null ? {} : { root: options.root }) }, options)
      if (reply.type === 'block' && reply.bytes instanceof Uint8Array) {
        return { bytes: reply.bytes, from: String(reply.from) }
      }
      throw new NoPeerTabError(`the tab's peer did not find it: ${reply.type === 'missing' ? reply.reason : 'a malformed reply'}`)
    },
    async * carBlocks (query, options) {
      options.signal?.throwIfAborted()
      const tab = await pick(options.signal)
      if (tab == null) {
        throw new NoPeerTabError('no tab with an Edgeway peer is open to ask other browsers')
      }
      const id = nextId++
      const stream = new TabCarStream({ id, post: request => { post(tab, request) }, signal: options.signal })
      cars.set(id, { stream, tab })
      try {
        post(tab, {
          type: 'car',
          id,
          root: options.root.toString(),
          cid: query.cid.toString(),
          ...(query.path == null ? {} : { path: query.path }),
          ...(query.range == null ? {} : { range: query.range }),
          scope: query.scope ?? 'entity',
          credit: CAR_CREDIT_BLOCKS
        })
        yield * stream.blocks()
      } finally {
        cars.delete(id)
      }
    },
    async connectProviders (providers, options) {
      if (providers.length === 0) {
        return []
      }
      const reply = await ask({ type: 'dial', id: nextId++, providers: providers.map(({ peerId, multiaddrs }) => ({ peerId, multiaddrs })) }, options)
        .catch((err: unknown) => {
          // no tab open: nobody dials them, and the request goes on with what the SW reaches itself
          if (err instanceof NoPeerTabError) return undefined
          throw err
        })
      return reply != null && reply.type === 'dialled' && Array.isArray(reply.peers) ? reply.peers.filter(peer => typeof peer === 'string') : []
    }
  }
}

function post (tab: RegisteredTab, request: BridgeRequest): void {
  tab.port.postMessage(request)
}
