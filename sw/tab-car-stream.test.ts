import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { BridgeCarSender } from '../src/peer/bridge-car-sender.ts'
import { CAR_CREDIT_BLOCKS } from '../src/lib/peer-bridge.ts'
import { PeerCarBrokenError } from '../src/lib/peer-car.ts'
import { TabCarStream } from './tab-car-stream.ts'
import type { BridgeCarRequest, BridgeReply, BridgeRequest } from '../src/lib/peer-bridge.ts'
import type { TabPeer } from '../src/peer/create-tab-peer.ts'

const PEER = '12D3KooWSender'
const channels: MessageChannel[] = []
afterEach(() => { channels.splice(0).forEach(channel => { channel.port1.close(); channel.port2.close() }) })

/** A tab's peer whose CAR has `count` blocks, counting how many were pulled from it and whether it was closed */
async function peerWith (count: number, failAfter?: number): Promise<{ peer: Pick<TabPeer, 'carBlocks'>, pulled: () => number, closed: () => boolean }> {
  const blocks = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const bytes = new Uint8Array(1024).fill(i)
    return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
  }))
  let pulled = 0
  let closed = false
  return {
    peer: {
      async * carBlocks () {
        try {
          for (const block of blocks) {
            if (pulled === failAfter) throw new PeerCarBrokenError('the peer went away', PEER)
            pulled++
            yield { ...block, from: PEER }
          }
        } finally {
          closed = true
        }
      }
    },
    pulled: () => pulled,
    closed: () => closed
  }
}

/** The SW's and the tab's ends of one CAR, over a real MessageChannel */
function bridge (peer: Pick<TabPeer, 'carBlocks'>, signal?: AbortSignal): TabCarStream {
  const channel = new MessageChannel()
  channels.push(channel)
  const sw = channel.port1
  const tab = channel.port2
  let sender: BridgeCarSender | undefined
  tab.onmessage = (event: MessageEvent<BridgeRequest>) => {
    const request = event.data
    if (request.type === 'car') {
      sender = new BridgeCarSender(request.credit)
      void sender.send(peer, request, tab)
    } else if (request.type === 'credit') {
      sender?.grant(request.blocks)
    } else if (request.type === 'cancel') {
      sender?.controller.abort()
    }
  }
  const stream = new TabCarStream({ id: 1, post: request => { sw.postMessage(request) }, signal })
  sw.onmessage = (event: MessageEvent<BridgeReply>) => { stream.push(event.data as Extract<BridgeReply, { type: 'car-end' }>) }
  const root = CID.parse('bafkqaaa').toString()
  sw.postMessage({ type: 'car', id: 1, root, cid: root, scope: 'entity', credit: CAR_CREDIT_BLOCKS } satisfies BridgeCarRequest)
  return stream
}

const settle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 50)) }

describe('a CAR over the tab bridge', () => {
  it('delivers every block, and a paused reader holds the tab to its credit', async () => {
    const { peer, pulled } = await peerWith(60)
    const blocks = bridge(peer).blocks()
    const first = await blocks.next()
    expect(first.value?.from).toBe(PEER)
    await settle()
    // the reader holds one block: the tab pulled the window and at most one more it waits to send
    expect(pulled()).toBeLessThanOrEqual(CAR_CREDIT_BLOCKS + 2)
    let count = 1
    for await (const block of blocks) {
      expect(block.bytes[0]).toBe(count)
      count++
    }
    expect(count).toBe(60)
  })

  it('ends with the typed error of a peer that died mid-way', async () => {
    const { peer } = await peerWith(10, 4)
    const got: unknown[] = []
    const err = await (async () => { for await (const block of bridge(peer).blocks()) got.push(block) })().catch((e: Error) => e)
    expect(got).toHaveLength(4)
    expect((err as Error).name).toBe('PeerCarBrokenError')
    expect((err as PeerCarBrokenError).peer).toBe(PEER)
  })

  it('cancels the tab\'s read when the SW reader stops', async () => {
    const { peer, pulled, closed } = await peerWith(60)
    for await (const block of bridge(peer).blocks()) {
      expect(block.bytes[0]).toBe(0)
      break
    }
    await settle()
    expect(closed()).toBe(true)
    expect(pulled()).toBeLessThan(60)
  })

  it('refuses a tab that sends past its credit', async () => {
    const stream = new TabCarStream({ id: 1, post: () => {} })
    for (let i = 0; i <= CAR_CREDIT_BLOCKS; i++) {
      stream.push({ type: 'car-block', id: 1, cid: 'bafkqaaa', bytes: new Uint8Array(0), from: PEER })
    }
    const got: unknown[] = []
    const err = await (async () => { for await (const block of stream.blocks()) got.push(block) })().catch((e: Error) => e)
    expect(got).toHaveLength(CAR_CREDIT_BLOCKS)
    expect((err as Error).name).toBe('PeerCarBrokenError')
  })
})
