import type { EdgewayConfig } from '../lib/config.ts'
import type { TabBlockSource } from '../node/tab-bridge-broker.ts'
import type { TabPeer } from '../peer/index.ts'
import type { AbortOptions, EdgePeerHandle, EdgePeerOptions } from './types.ts'
import type { PublishInput, PublishResult } from '../lib/types.ts'
import type { Blockstore } from 'interface-blockstore'

export interface PeerClient {
  peer: EdgePeerHandle
  /** How the client's node asks other browsers for a block, through this page's peer (undefined without one) */
  blockRequester(): TabBlockSource['request'] | undefined
  add(files: PublishInput[], options?: AbortOptions): Promise<PublishResult>
  stop(): Promise<void>
}

export class PeerDisabledError extends Error {
  static name = 'PeerDisabledError'
  name = 'PeerDisabledError'
}

/**
 * A dApp page as a peer: with `peer` set, a Helia/libp2p node starts in the
 * page (loaded as its own chunk, so pages without it never download it), on
 * the same store the client fetches into. The client's node asks it for blocks
 * only other browsers have, and `add()` publishes through it. It also answers
 * the gateway service worker, when one runs on this origin.
 */
export function peerClient (config: EdgewayConfig, peerOption: boolean | EdgePeerOptions | undefined, blockstore: Promise<Blockstore>): PeerClient {
  const options = peerOption === true ? {} : peerOption === false || peerOption == null ? undefined : peerOption
  let started: Promise<{ peer: TabPeer, disconnect: () => void }> | undefined
  const start = async (): Promise<{ peer: TabPeer, disconnect: () => void }> => {
    started ??= (async () => {
      const { createTabPeer, connectServiceWorkerBridge } = await import('../peer/index.ts')
      const peer = await createTabPeer({ config, serving: options?.serving ?? true, shareViewed: options?.shareViewed ?? false, blockstore: await blockstore })
      return { peer, disconnect: connectServiceWorkerBridge(peer) }
    })()
    return started
  }
  if (options != null) {
    // start at once, so the page is findable while it is open; a failure shows in status() and add()
    start().catch(() => {})
  }
  /** The peer, for a switch that needs one */
  const running = async (): Promise<TabPeer> => {
    if (options == null) {
      throw new PeerDisabledError('this client runs no peer: create it with { peer: true }')
    }
    return (await start()).peer
  }

  return {
    peer: {
      enabled: options != null,
      async status () {
        return options == null ? undefined : (await start()).peer.status()
      },
      async setServing (on) {
        await (await running()).setServing(on)
      },
      async setShareViewed (on) {
        await (await running()).setShareViewed(on)
      }
    },
    blockRequester () {
      if (options == null) {
        return undefined
      }
      return async (cid, o) => (await start()).peer.getBlock(cid, { signal: o.signal })
    },
    async add (files, addOptions = {}) {
      if (options == null) {
        throw new PeerDisabledError('publishing needs a peer in the page: create the client with { peer: true }')
      }
      const [{ publishFiles }, { peer }] = await Promise.all([import('../peer/index.ts'), start()])
      return publishFiles(peer, files, addOptions)
    },
    async stop () {
      if (started != null) {
        const { peer, disconnect } = await started
        disconnect()
        await peer.stop()
      }
    }
  }
}
