import { CID } from 'multiformats/cid'
import { CAR_CREDIT_BLOCKS } from '../src/lib/peer-bridge.ts'
import { PeerCarBrokenError, peerCarError } from '../src/lib/peer-car.ts'
import type { BridgeReply, BridgeRequest } from '../src/lib/peer-bridge.ts'

type CarReply = Extract<BridgeReply, { type: 'car-block' | 'car-end' | 'car-error' }>

export interface TabCarStreamInit {
  id: number
  /** Sends a message to the tab that serves this CAR */
  post(request: BridgeRequest): void
  signal?: AbortSignal
}

/**
 * One CAR as a tab streams it to the SW: its replies queue here until the
 * reader takes them, and each block taken gives the tab one credit back, so
 * at most `CAR_CREDIT_BLOCKS` blocks wait here whatever the reader's pace.
 * A reader that stops early (return, throw, abort) cancels it at the tab.
 */
export class TabCarStream {
  private readonly init: TabCarStreamInit
  private readonly queue: CarReply[] = []
  private wake?: () => void
  private closed = false

  constructor (init: TabCarStreamInit) {
    this.init = init
  }

  /** A reply from the tab for this CAR */
  push (reply: CarReply): void {
    if (this.closed) return
    if (reply.type === 'car-block' && this.queue.filter(queued => queued.type === 'car-block').length >= CAR_CREDIT_BLOCKS) {
      // more than the credit given: a tab that ignores the window is not buffered for
      this.queue.push({ type: 'car-error', id: reply.id, name: 'PeerCarBrokenError', message: 'the tab sent past its credit' })
    } else {
      this.queue.push(reply)
    }
    this.wake?.()
  }

  /** The tab went away (its port closed, or another registered in its place) */
  fail (message: string): void {
    this.push({ type: 'car-error', id: this.init.id, name: 'PeerCarBrokenError', message })
  }

  async * blocks (): AsyncGenerator<{ cid: CID, bytes: Uint8Array, from: string }> {
    const { id, post, signal } = this.init
    let ended = false
    try {
      while (true) {
        signal?.throwIfAborted()
        const reply = this.queue.shift() ?? await this.next(signal)
        if (reply.type === 'car-end') {
          ended = true
          return
        }
        if (reply.type === 'car-error') {
          ended = true
          throw peerCarError(String(reply.name), String(reply.message), typeof reply.peer === 'string' ? reply.peer : undefined)
        }
        let cid: CID
        try {
          cid = CID.parse(String(reply.cid))
        } catch {
          throw new PeerCarBrokenError(`the tab sent a block under a malformed CID: ${String(reply.cid).slice(0, 100)}`)
        }
        if (!(reply.bytes instanceof Uint8Array)) {
          throw new PeerCarBrokenError(`the tab sent ${cid} without bytes`)
        }
        post({ type: 'credit', id, blocks: 1 })
        yield { cid, bytes: reply.bytes, from: String(reply.from) }
      }
    } finally {
      this.closed = true
      if (!ended) {
        post({ type: 'cancel', id })
      }
    }
  }

  private async next (signal?: AbortSignal): Promise<CarReply> {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal?.reason) }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.wake = () => { signal?.removeEventListener('abort', onAbort); this.wake = undefined; resolve() }
    })
    return this.queue.shift() as CarReply
  }
}
