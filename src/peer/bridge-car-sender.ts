import { CID } from 'multiformats/cid'
import { CAR_CREDIT_BLOCKS } from '../lib/peer-bridge.ts'
import { parsePeerCarRequest } from '../lib/peer-car.ts'
import type { TabPeer } from './create-tab-peer.ts'
import type { BridgeCarRequest, BridgeReply } from '../lib/peer-bridge.ts'
import type { CarQuery } from '../node/edge-car-fetcher.ts'
import type { Logger } from '@libp2p/interface'

/**
 * The tab's end of one CAR the SW asked for: blocks from another browser
 * (TabPeer.carBlocks), one message each with its buffer transferred, while
 * the SW's credit lasts. With none left the tab stops pulling, so the peer's
 * stream stops too (libp2p's own backpressure) and nothing piles up here.
 */
export class BridgeCarSender {
  readonly controller = new AbortController()
  private credit: number
  private wake?: () => void

  constructor (credit: number) {
    this.credit = Math.min(Math.max(0, Math.trunc(credit) || 0), CAR_CREDIT_BLOCKS)
  }

  /** The SW's reader took `blocks` more */
  grant (blocks: number): void {
    // never more than the window in all: a SW cannot make the tab hold more than that
    this.credit = Math.min(this.credit + Math.max(0, Math.trunc(blocks) || 0), CAR_CREDIT_BLOCKS)
    this.wake?.()
  }

  async send (peer: Pick<TabPeer, 'carBlocks'>, request: BridgeCarRequest, reply: MessagePort, log?: Logger): Promise<void> {
    const { id } = request
    const { signal } = this.controller
    const started = performance.now()
    let held = 0
    let sent = 0
    try {
      const query = toQuery(request)
      for await (const block of peer.carBlocks(query, { root: CID.parse(String(request.root)), signal })) {
        const waited = performance.now()
        await this.spend(signal)
        held += performance.now() - waited
        sent += block.bytes.byteLength
        // a buffer of its own (the CAR reader copies each block out of the network chunks), so it can be moved
        const bytes = block.bytes.byteOffset === 0 && block.bytes.byteLength === block.bytes.buffer.byteLength ? block.bytes : block.bytes.slice()
        reply.postMessage({ type: 'car-block', id, cid: block.cid.toString(), bytes, from: block.from } satisfies BridgeReply, [bytes.buffer as ArrayBuffer])
      }
      reply.postMessage({ type: 'car-end', id } satisfies BridgeReply)
      log?.('a CAR for the SW: %d bytes in %d ms, %d of them held by the SW\'s credit', sent, Math.round(performance.now() - started), Math.round(held))
    } catch (err) {
      if (signal.aborted) return
      const error = err instanceof Error ? err : new Error(String(err))
      const peerId = (error as { peer?: unknown }).peer
      reply.postMessage({ type: 'car-error', id, name: error.name, message: error.message, ...(typeof peerId === 'string' ? { peer: peerId } : {}) } satisfies BridgeReply)
    }
  }

  private async spend (signal: AbortSignal): Promise<void> {
    while (this.credit === 0) {
      signal.throwIfAborted()
      await new Promise<void>(resolve => {
        const done = (): void => { this.wake = undefined; signal.removeEventListener('abort', done); resolve() }
        this.wake = done
        signal.addEventListener('abort', done, { once: true })
      })
    }
    signal.throwIfAborted()
    this.credit--
  }
}

/** The SW's request as a CAR query; the SW is trusted no more than a message is */
function toQuery (request: BridgeCarRequest): CarQuery {
  const parsed = parsePeerCarRequest(JSON.stringify({ cid: request.cid, path: request.path, range: request.range, scope: request.scope }))
  if (parsed == null) {
    throw new TypeError('a malformed CAR request')
  }
  return { cid: CID.parse(parsed.cid), path: parsed.path, range: parsed.range, scope: parsed.scope }
}
