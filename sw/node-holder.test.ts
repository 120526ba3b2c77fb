import { createServer } from 'node:http'
import { MemoryBlockstore } from 'blockstore-core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createNodeHolder } from './node-holder.ts'
import type { NodeHolder } from './node-holder.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const EDGE_PEER = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

/** What `npm start` writes to /edgeway.json for one edge on `port` */
function configFor (port: number): string {
  return JSON.stringify({ edges: [{ http: `http://127.0.0.1:${port}`, peerId: EDGE_PEER, multiaddrs: [] }], allowLocal: true, allowInsecure: true })
}

describe('the SW\'s node across gateway restarts', () => {
  let server: Server
  let configUrl: string
  let served: string
  let reads: number
  let holder: NodeHolder | undefined

  beforeEach(async () => {
    // the SW keeps a copy of the configuration in the Cache API, which Node lacks: only the network here
    vi.stubGlobal('caches', { open: async () => { throw new Error('no Cache API') } })
    served = configFor(41001)
    reads = 0
    server = createServer((_req, res) => {
      reads++
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(served)
    })
    await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
    configUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/edgeway.json`
  })

  afterEach(async () => {
    await holder?.get().then(async node => { await node.stop() }).catch(() => {})
    holder = undefined
    server.close()
    vi.unstubAllGlobals()
  })

  const edgeUrl = async (): Promise<string | undefined> => (await holder?.config())?.edges[0]?.http

  it('the first page load right after the node started does not read the configuration again', async () => {
    holder = createNodeHolder({ configUrl, store: async () => new MemoryBlockstore() })
    await holder.get()
    expect(reads).toBe(1)
    await holder.refresh({ pageLoad: true })
    expect(reads).toBe(1)
  })

  it('a page load moments after another sees a gateway restarted with other edges', async () => {
    holder = createNodeHolder({ configUrl, store: async () => new MemoryBlockstore() })
    await holder.get()
    await holder.refresh({ pageLoad: true })
    expect(await edgeUrl()).toBe('http://127.0.0.1:41001')

    // the gateway restarts with a new edge, well within a second of the last read
    served = configFor(41002)
    await holder.refresh({ pageLoad: true })
    expect(await edgeUrl()).toBe('http://127.0.0.1:41002')
  })

  it('a page load that starts the node counts as the first', async () => {
    holder = createNodeHolder({ configUrl, store: async () => new MemoryBlockstore() })
    await holder.refresh({ pageLoad: true })
    expect(await edgeUrl()).toBe('http://127.0.0.1:41001')
    served = configFor(41002)
    await holder.refresh({ pageLoad: true })
    expect(await edgeUrl()).toBe('http://127.0.0.1:41002')
  })
})
