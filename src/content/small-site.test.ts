/**
 * Small sites in one go: the first navigation into a small directory fetches
 * its whole DAG in one CAR and the page's assets are then answered from the
 * store. What is asserted is what the edge was asked (its request log), what
 * a browser gets (status, sha256), and what the store holds.
 */
import { createServer, request as httpRequest } from 'node:http'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { UnixFS } from 'ipfs-unixfs'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { makeSite, randomFile, sha256 } from '../../e2e/support/content.ts'
import { startCountingEdgeProxy } from '../../e2e/support/counting-edge-proxy.ts'
import { startHostileEdge } from '../../e2e/support/lying-edge.ts'
import { HAMT_NAMES, hamtFileText, writeCar, writeHamtCar } from './test-support/fixtures.ts'
import { sourceCounts, startTestGateway } from './test-support/test-gateway.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { CountingEdgeProxy } from '../../e2e/support/counting-edge-proxy.ts'
import type { HostileEdge } from '../../e2e/support/lying-edge.ts'
import type { TestGateway } from './test-support/test-gateway.ts'
import type { AddressInfo } from 'node:net'

/** The cap these gateways use: the small site is well under it, the big one well over */
const CAP = 1024 * 1024
const ASSETS = Array.from({ length: 40 }, (_, i) => `asset-${String(i).padStart(2, '0')}.txt`)
const PROMPT = { timeout: 20_000 }

const isSiteCar = (url: string): boolean => url.includes('dag-scope=all')

/** Every block in the store hashes to its CID; their bytes in all. */
async function verifiedStoreBytes (store: MemoryBlockstore): Promise<number> {
  let bytes = 0
  for await (const { cid, bytes: chunks } of store.getAll()) {
    const parts: Uint8Array[] = []
    for await (const chunk of chunks) parts.push(chunk)
    const block = Buffer.concat(parts)
    if (!equals((await sha256Hasher.digest(block)).bytes, cid.multihash.bytes)) throw new Error(`the store holds a forged block for ${cid}`)
    bytes += block.byteLength
  }
  return bytes
}

/**
 * Writes `<dir>/liar.car`: a directory of an index page and a file of
 * `bytes`, whose link to the file claims a `Tsize` of 10 bytes.
 */
async function writeLyingTsizeCar (dir: string, bytes: number): Promise<CID> {
  const blocks = new MemoryBlockstore()
  const files: Record<string, CID> = {}
  for await (const entry of importer([{ path: 'index.html', content: new TextEncoder().encode('<!doctype html><p>liar</p>\n') }, { path: 'huge.bin', content: randomFile(bytes) }], blocks, { cidVersion: 1, rawLeaves: true, wrapWithDirectory: false })) {
    if (entry.path != null) files[entry.path] = entry.cid
  }
  const node = dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: [{ Name: 'huge.bin', Hash: files['huge.bin'], Tsize: 10 }, { Name: 'index.html', Hash: files['index.html'], Tsize: 30 }]
  })
  const nodeBytes = dagPb.encode(node)
  const root = CID.createV1(dagPb.code, await sha256Hasher.digest(nodeBytes))
  await blocks.put(root, nodeBytes)
  await writeCar(blocks, [root], join(dir, 'liar.car'))
  return root
}

/** An edge that sends site CARs (`dag-scope=all`) from `siteCars` and everything else from `rest`. */
async function startSplitEdge (siteCars: string, rest: string): Promise<{ url: string, stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', isSiteCar(req.url ?? '') ? siteCars : rest)
    const onward = httpRequest(target, { method: req.method, headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    onward.on('error', () => { res.destroy() })
    req.pipe(onward)
  })
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop () {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

describe('a small site, fetched whole on its first navigation', () => {
  const files: Record<string, Uint8Array | string> = {
    'site/index.html': '<!doctype html><title>small site</title>\n',
    'big/index.html': '<!doctype html><title>big site</title>\n',
    'big/huge.bin': randomFile(2 * CAP)
  }
  for (const name of ASSETS) files[`site/${name}`] = randomFile(3 * 1024)
  let site: Awaited<ReturnType<typeof makeSite>>
  let cars: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let root: string
  let liarRoot: string
  let hamtRoot: string
  const cleanups: Array<() => Promise<void>> = []

  const gatewayOf = async (edges: string[]): Promise<TestGateway> => {
    const gateway = await startTestGateway({ edges, smallSiteBytes: CAP, timeoutMs: 60_000 })
    cleanups.push(async () => gateway.stop())
    return gateway
  }
  const proxyOf = async (options?: Parameters<typeof startCountingEdgeProxy>[1]): Promise<CountingEdgeProxy> => {
    const proxy = await startCountingEdgeProxy(edge.info.http, options)
    cleanups.push(async () => proxy.stop())
    return proxy
  }
  /** Every asset of the small site, asked at once, checked byte for byte; their responses */
  const fetchAssets = async (gateway: TestGateway): Promise<Response[]> => Promise.all(ASSETS.map(async name => {
    const response = await gateway.fetch(`/ipfs/${root}/site/${name}`)
    expect(response.status).toBe(200)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(files[`site/${name}`] as Uint8Array))
    return response
  }))

  beforeAll(async () => {
    site = await makeSite(files)
    cars = await makeSite({})
    liarRoot = (await writeLyingTsizeCar(cars.dir, 3 * CAP)).toString()
    hamtRoot = (await writeHamtCar(cars.dir)).root.toString()
    edge = await startEdge({ serve: [site.dir, join(cars.dir, 'liar.car'), join(cars.dir, 'hamt.car')] })
    root = edge.info.roots[site.dir]
  })

  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map(async cleanup => { await cleanup() }))
  })

  afterAll(async () => {
    await edge?.stop()
    await site?.remove()
    await cars?.remove()
  })

  it('makes one CAR request for the directory, and its assets come from the store', PROMPT, async () => {
    const proxy = await proxyOf()
    const gateway = await gatewayOf([proxy.url])

    const page = await gateway.fetch(`/ipfs/${root}/site/index.html`, { navigate: true })
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(files['site/index.html'])
    const assets = await fetchAssets(gateway)

    const siteCars = proxy.requests().filter(isSiteCar)
    expect(siteCars).toHaveLength(1)
    // the site directory by its own CID, not the root
    expect(siteCars[0]).toMatch(/^\/ipfs\/b[a-z2-7]+\?/)
    expect(siteCars[0]).not.toContain(root)
    expect(proxy.requests().filter(url => url.includes('asset-'))).toEqual([])
    // the navigation's own CAR and the path's blocks, not one request per asset
    expect(proxy.requests().length).toBeLessThan(8)
    // each asset's blocks came in the site CAR: the first response to use them counts them as the edge's
    for (const asset of assets) {
      expect(sourceCounts(asset).peer).toBe(0)
      expect(sourceCounts(asset).edge).toBeGreaterThan(0)
    }

    // a reload asks the edge for nothing more, and says so
    const asked = proxy.requests().length
    const again = await gateway.fetch(`/ipfs/${root}/site/index.html`, { navigate: true })
    expect(await again.text()).toBe(files['site/index.html'])
    for (const asset of await fetchAssets(gateway)) {
      expect(sourceCounts(asset)).toMatchObject({ edge: 0, peer: 0 })
      expect(sourceCounts(asset).cache).toBeGreaterThan(0)
    }
    expect(proxy.requests().length).toBe(asked)
  })

  it('makes the asset requests that arrive while the site CAR is in flight wait for it, not open their own', PROMPT, async () => {
    // the site CAR's answer is held back: the assets are asked for while it is surely in flight
    const proxy = await proxyOf({ delayMs: url => isSiteCar(url) ? 500 : 0 })
    const gateway = await gatewayOf([proxy.url])

    const page = await gateway.fetch(`/ipfs/${root}/site/index.html`, { navigate: true })
    expect(page.status).toBe(200)
    const assets = await fetchAssets(gateway)

    expect(proxy.requests().filter(isSiteCar)).toHaveLength(1)
    expect(proxy.requests().filter(url => url.includes('asset-'))).toEqual([])
    expect(proxy.requests().length).toBeLessThan(8)
    for (const asset of assets) expect(sourceCounts(asset).edge).toBeGreaterThan(0)
  })

  it('fetches a sharded (HAMT) directory whole too: its size is its shards\' Tsize', PROMPT, async () => {
    const proxy = await proxyOf({ delayMs: url => isSiteCar(url) ? 300 : 0 })
    const gateway = await gatewayOf([proxy.url])

    const [first, ...rest] = HAMT_NAMES
    const page = await gateway.fetch(`/ipfs/${hamtRoot}/${first}`, { navigate: true })
    expect(await page.text()).toBe(hamtFileText(first))
    const entries = await Promise.all(rest.map(async name => gateway.fetch(`/ipfs/${hamtRoot}/${name}`)))

    for (const [i, entry] of entries.entries()) {
      expect(await entry.text()).toBe(hamtFileText(rest[i]))
      expect(sourceCounts(entry).edge).toBeGreaterThan(0)
    }
    expect(proxy.requests().filter(isSiteCar)).toEqual([expect.stringContaining(`/ipfs/${hamtRoot}?`)])
    expect(proxy.requests().filter(url => url.includes('entry-')).length).toBeLessThanOrEqual(1)
  })

  it('does not fetch a directory whose DAG is over the cap, nor a document fetched without navigating', PROMPT, async () => {
    const proxy = await proxyOf()
    const gateway = await gatewayOf([proxy.url])

    const fetched = await gateway.fetch(`/ipfs/${root}/site/index.html`)
    expect(await fetched.text()).toBe(files['site/index.html'])
    const page = await gateway.fetch(`/ipfs/${root}/big/index.html`, { navigate: true })
    expect(await page.text()).toBe(files['big/index.html'])
    // asked while the site is being judged: it waits for the decision
    const again = await gateway.fetch(`/ipfs/${root}/big/index.html`)
    expect(await again.text()).toBe(files['big/index.html'])

    expect(proxy.requests().filter(isSiteCar)).toEqual([])
  })

  it('stops a site whose Tsize lies at the cap: what it stored stays under the cap', PROMPT, async () => {
    const proxy = await proxyOf()
    const gateway = await gatewayOf([proxy.url])

    const page = await gateway.fetch(`/ipfs/${liarRoot}/index.html`, { navigate: true })
    expect(await page.text()).toBe('<!doctype html><p>liar</p>\n')
    // waits for the site CAR to end
    await (await gateway.fetch(`/ipfs/${liarRoot}/index.html`)).arrayBuffer()
    await gateway.node.flush()

    expect(proxy.requests().filter(isSiteCar)).toHaveLength(1)
    const stored = await verifiedStoreBytes(gateway.store)
    // the page's own blocks and at most the cap of the site's
    expect(stored).toBeGreaterThan(CAP / 2)
    expect(stored).toBeLessThanOrEqual(CAP + 4096)
  })

  describe('with an edge that forges a block of the site CAR', () => {
    let liar: HostileEdge

    beforeAll(async () => {
      liar = await startHostileEdge(edge.info.http, { raw: 'honest', car: 'flip-bit' })
    })

    afterAll(async () => {
      await liar?.stop()
    })

    it('rejects the block, never stores it, and the assets still arrive verified', PROMPT, async () => {
      liar.behave({ raw: 'honest', car: 'flip-bit' })
      const split = await startSplitEdge(liar.url, edge.info.http)
      cleanups.push(split.stop)
      const gateway = await gatewayOf([split.url])

      const page = await gateway.fetch(`/ipfs/${root}/site/index.html`, { navigate: true })
      expect(page.status).toBe(200)
      await page.arrayBuffer()
      await fetchAssets(gateway)
      await gateway.node.flush()

      expect(liar.hostile().car).toBe(1)
      // throws on a forged block
      expect(await verifiedStoreBytes(gateway.store)).toBeGreaterThan(ASSETS.length * 3 * 1024)
    })
  })
})
