import { CustomProgressEvent } from 'progress-events'
import { hashMatches } from '../lib/hash-matches.ts'
import type { EdgeHttpProgressEvents } from './edge-http-broker.ts'
import type { EdgeMisses } from './edge-misses.ts'
import type { BlockReceivedDetail, BlockRejectedDetail, EdgewayProgressEventName } from '../lib/types.ts'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Asks a tab's peer for one block (see peer-bridge.ts); `from` names who sent it. */
export interface TabBlockSource {
  /** `root`: the content the block is part of, so the tab asks the browsers that announced it, not every peer */
  request(cid: CID, options: AbortOptions & { root?: string }): Promise<{ bytes: Uint8Array, from: string }>
}

export interface TabBridgeBrokerInit {
  tabs: TabBlockSource
  /** Peer ids of configured edges: a block the tab got from one of them counts as `edge` */
  edgePeerIds: Pick<ReadonlySet<string>, 'has'>
  /** Blocks the HTTP edges said they do not have: the tab is asked at once */
  edgeMisses?: EdgeMisses
  /**
   * How long the edges get to answer before the tab is asked too, unless
   * they said they do not have the block, or the tab delivered a block
   * recently (then it is asked at once: the content is one only peers have).
   * Nothing waits for the tab in turn. A root the edges list browsers for
   * changes nothing here: asking the tab at once for every block a file read
   * takes from the store cost that read a WebRTC dial's CPU (file reads
   * reach those browsers through their CAR source). The tab's peer asks the edges it is connected to as well, so asking it
   * early would fetch the same block twice.
   *
   * @default 1500
   */
  delayMs?: number
}

/** A delivery within this long marks the content as peer-only: the next blocks are asked of the tab without a delay. */
const RECENT_MS = 10_000

/** The same events as the edges' HTTP broker: a block received, or rejected */
export type TabBridgeProgressEvents = EdgeHttpProgressEvents

export class TabBlockRejectedError extends Error {
  static name = 'TabBlockRejectedError'
  name = 'TabBlockRejectedError'
}

/**
 * One more block source for the SW's node: other browsers, reached through a
 * tab's peer over the MessageChannel bridge. It runs beside the edges after
 * a short delay, and every block is hashed here before anyone uses it.
 */
export class TabBridgeBroker implements BlockBroker<TabBridgeProgressEvents> {
  readonly name = 'edgeway-tab-bridge'
  private readonly init: TabBridgeBrokerInit & { delayMs: number }
  private deliveredAt = 0

  constructor (init: TabBridgeBrokerInit) {
    this.init = { delayMs: 1500, ...init }
  }

  async retrieve (cid: CID, options: BlockRetrievalOptions<TabBridgeProgressEvents> = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    if (Date.now() - this.deliveredAt > RECENT_MS) {
      await (this.init.edgeMisses?.wait(cid, this.init.delayMs, options.signal) ?? sleep(this.init.delayMs, options.signal))
    }
    // asked by the block alone: a tab's session by root stalls on a listed browser that lies
    const { bytes, from } = await this.init.tabs.request(cid, { signal: options.signal })
    try {
      if (options.validateFn != null) {
        await options.validateFn(bytes)
      } else if (!await hashMatches(cid, bytes)) {
        throw new TabBlockRejectedError(`the bytes do not hash to ${cid}`)
      }
    } catch (err) {
      options.onProgress?.(new CustomProgressEvent<BlockRejectedDetail, EdgewayProgressEventName>('edgeway:block:rejected', {
        cid: cid.toString(), from: `tab:${from}`, reason: err instanceof Error ? err.message : String(err)
      }))
      throw new TabBlockRejectedError(`a peer (${from}) sent bytes that are not ${cid}`)
    }
    this.deliveredAt = Date.now()
    options.onProgress?.(new CustomProgressEvent<BlockReceivedDetail, EdgewayProgressEventName>('edgeway:block:received', {
      cid: cid.toString(), source: this.init.edgePeerIds.has(from) ? 'edge' : 'peer', via: 'bridge', from, bytes: bytes.byteLength
    }))
    return bytes
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    return
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
