import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it } from 'vitest'
import { PeerProviders } from './peer-providers.ts'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

const EDGE = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const OTHER_RELAY = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const BROWSER = '12D3KooWPeerBrowser'
/** A browser as the edge lists it: bitswap, reached through the edge's relay */
const BROWSER_RECORD = { Schema: 'peer', ID: BROWSER, Addrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE}/p2p-circuit/webrtc`], Protocols: ['transport-bitswap'] }
const BLOCK = new TextEncoder().encode('a block')

describe('PeerProviders', () => {
  let server: Server | undefined
  afterEach(async () => { await new Promise(resolve => server?.close(resolve)) })

  /** An edge's delegated routing that lists `records` (or peers of these ids) for every CID, and counts lookups */
  async function routing (records: Array<string | object>): Promise<{ http: string, lookups: () => number }> {
    let lookups = 0
    server = createServer((req, res) => {
      lookups++
      const providers = records.map(record => typeof record === 'string' ? { Schema: 'peer', ID: record, Addrs: [] } : record)
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Providers: providers }))
    })
    await new Promise<void>(resolve => { server!.listen(0, '127.0.0.1', resolve) })
    return { http: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lookups: () => lookups }
  }

  it('says yes when the edge lists a browser, and asks once per root within the TTL', async () => {
    const edge = await routing([EDGE, BROWSER_RECORD])
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

  it('counts only browsers reachable through a configured edge\'s relay that speak bitswap (finding 3)', async () => {
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    const forged = [
      // no address, as anyone could announce
      { Schema: 'peer', ID: BROWSER, Addrs: [], Protocols: ['transport-bitswap'] },
      // an address of its own, not through the edge
      { ...BROWSER_RECORD, Addrs: ['/ip4/127.0.0.1/tcp/4002/ws'] },
      // through a relay that is not one of ours
      { ...BROWSER_RECORD, Addrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${OTHER_RELAY}/p2p-circuit/webrtc`] },
      // no bitswap
      { ...BROWSER_RECORD, Protocols: ['transport-ipfs-gateway-http'] },
      { ...BROWSER_RECORD, Protocols: undefined },
      // the edge itself, through its own relay
      { ...BROWSER_RECORD, ID: EDGE }
    ]
    for (const record of forged) {
      const edge = await routing([record])
      expect(await new PeerProviders({ edges: [{ peerId: EDGE, multiaddrs: [], http: edge.http }] }).provided(root), JSON.stringify(record)).toBe(false)
      await new Promise(resolve => server?.close(resolve))
    }
  })

  it('gives up on an answer too large to be one, without reading it whole (finding 9)', async () => {
    const root = CID.createV1(raw.code, await sha256.digest(BLOCK))
    // a valid answer listing a browser, padded to 20 MB with more records
    const record = JSON.stringify(BROWSER_RECORD)
    const answerBytes = 20 * 1024 * 1024
    let sent = 0
    server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write(`{"Providers":[${record}`)
      const more = Buffer.from(`,${record}`.repeat(1000))
      const write = (): void => {
        while (sent < answerBytes) {
          sent += more.byteLength
          if (!res.write(more)) {
            res.once('drain', write)
            return
          }
        }
        res.end(']}')
      }
      res.on('close', () => { res.destroy() })
      write()
    })
    await new Promise<void>(resolve => { server!.listen(0, '127.0.0.1', resolve) })
    const http = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    expect(await new PeerProviders({ edges: [{ peerId: EDGE, multiaddrs: [], http }], timeoutMs: 10_000 }).provided(root)).toBe(false)
    // what the socket buffers took beyond the cap is all that left the server: the server's send buffer grows up to
    // the kernel's tcp_wmem maximum (4 MiB by default), the reader's kernel holds a little more
    expect(sent).toBeLessThan(await sendBufferMax() + 1024 * 1024)
    expect(sent).toBeLessThan(answerBytes / 2)
    server.closeAllConnections()
  })
})

/** The most a TCP socket's send buffer may grow to here (`net.ipv4.tcp_wmem`'s maximum; 4 MiB where unreadable) */
async function sendBufferMax (): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/tcp_wmem', 'utf8').catch(() => '')
  return Number(text.trim().split(/\s+/)[2] ?? NaN) || 4 * 1024 * 1024
}
