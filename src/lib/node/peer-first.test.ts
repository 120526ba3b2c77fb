import { createServer } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { deferredToPeers, PeerProgress, PeerProviders } from './peer-first.ts'
import type { BlockBroker } from '@helia/interface'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

const EDGE = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const BROWSER = '12D3KooWPeerBrowser'
const BLOCK = new TextEncoder().encode('a block')

function edgeBroker (): BlockBroker & { asked: number } {
  const broker = {
    name: 'edge',
    asked: 0,
    async retrieve () {
      broker.asked++
      return BLOCK
    }
  }
  return broker
}

describe('deferredToPeers', () => {
  it('asks the edge at once for an ordinary request', async () => {
    const edge = edgeBroker()
    // with the 5 s delay this would outlast the test's own timeout
    expect(await deferredToPeers(edge, new PeerProgress(), 5_000).retrieve!(CID.createV1(raw.code, await sha256.digest(BLOCK)))).toEqual(BLOCK)
    expect(edge.asked).toBe(1)
  })

  it('never asks the edge for a peer-first request the peers answered before the hedge delay', async () => {
    const edge = edgeBroker()
    const race = new AbortController()
    const asking = deferredToPeers(edge, new PeerProgress(), 5_000).retrieve!(CID.createV1(raw.code, await sha256.digest(BLOCK)), { signal: race.signal, edgewayPeerFirst: { root: 'bafy' } } as object)
    // a peer delivered: helia aborts the other sources
    race.abort(new Error('a peer was first'))
    await expect(asking).rejects.toThrow('a peer was first')
    expect(edge.asked).toBe(0)
  })

  it('asks the edge after the hedge delay when the peers are late', async () => {
    const edge = edgeBroker()
    expect(await deferredToPeers(edge, new PeerProgress(), 10).retrieve!(CID.createV1(raw.code, await sha256.digest(BLOCK)), { edgewayPeerFirst: { root: 'bafy' } } as object)).toEqual(BLOCK)
    expect(edge.asked).toBe(1)
  })

  it('keeps the edge out while the peers keep delivering blocks of the same root', async () => {
    const edge = edgeBroker()
    const progress = new PeerProgress()
    const asking = deferredToPeers(edge, progress, 300).retrieve!(CID.createV1(raw.code, await sha256.digest(BLOCK)), { edgewayPeerFirst: { root: 'bafy' } } as object)
    // peers deliver other blocks of this root every 100 ms for a while, then stop
    for (let i = 0; i < 6; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      progress.delivered('bafy')
      expect(edge.asked).toBe(0)
      // another root's deliveries do not count
      progress.delivered('bafz')
    }
    expect(await asking).toEqual(BLOCK)
    expect(edge.asked).toBe(1)
  })
})

describe('PeerProviders', () => {
  let server: Server | undefined
  afterEach(async () => { await new Promise(resolve => server?.close(resolve)) })

  /** An edge's delegated routing that lists `ids` for every CID, and counts lookups */
  async function routing (ids: string[]): Promise<{ http: string, lookups: () => number }> {
    let lookups = 0
    server = createServer((req, res) => {
      lookups++
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Providers: ids.map(ID => ({ Schema: 'peer', ID, Addrs: [] })) }))
    })
    await new Promise<void>(resolve => { server!.listen(0, '127.0.0.1', resolve) })
    return { http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lookups: () => lookups }
  }

  it('says yes when the edge lists a browser, and asks once per root within the TTL', async () => {
    const edge = await routing([EDGE, BROWSER])
    const providers = new PeerProviders({ edges: [{ peerId: EDGE, multiaddrs: [], http: edge.http }] })
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    expect(await providers.provided(root)).toBe(true)
    expect(await providers.provided(root)).toBe(true)
    expect(edge.lookups()).toBe(1)
  })

  it('says no when only the edge itself is listed, or no edge answers', async () => {
    const edge = await routing([EDGE])
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    expect(await new PeerProviders({ edges: [{ peerId: EDGE, multiaddrs: [], http: edge.http }] }).provided(root)).toBe(false)
    expect(await new PeerProviders({ edges: [{ multiaddrs: [], http: 'http://127.0.0.1:9' }] }).provided(root)).toBe(false)
  })
})
