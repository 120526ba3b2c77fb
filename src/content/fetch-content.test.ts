/**
 * The content engine as a user meets it: a request to the SW's content
 * handler, answered from a real edge on loopback through a node built as the
 * SW builds it (an in-memory store in place of IndexedDB). What is asserted
 * is what a browser sees: status, headers, and the sha256 of the bytes.
 */
import { decode } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEdge } from '../../edge/node/start-edge.ts'
import { catFile, readVerifiedCar } from '../../edge/test/fixtures.ts'
import { makeSite, sha256 } from '../../e2e/support/content.ts'
import { startCountingEdgeProxy } from '../../e2e/support/counting-edge-proxy.ts'
import { BIG_FILE_BYTES, DAG_NODE_NAME, HAMT_NAMES, hamtFileText, siteFiles, writeHamtCar } from './test-support/fixtures.ts'
import { errorOf, sourceCounts, startTestGateway } from './test-support/test-gateway.ts'
import type { Edge } from '../../edge/node/types.ts'
import type { CountingEdgeProxy } from '../../e2e/support/counting-edge-proxy.ts'
import type { TestGateway } from './test-support/test-gateway.ts'

const IMMUTABLE = 'public, max-age=29030400, immutable'
const JSON_ACCEPT = { accept: 'application/json' }

async function bytesOf (response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer())
}

describe('the content engine, from request to response', () => {
  let files: Record<string, Uint8Array | string>
  let site: Awaited<ReturnType<typeof makeSite>>
  let cars: Awaited<ReturnType<typeof makeSite>>
  let edge: Edge
  let proxy: CountingEdgeProxy
  let root: string
  let hamtRoot: string
  let dagNode: string
  let gateway: TestGateway

  const big = (): Uint8Array => files['big.bin'] as Uint8Array

  beforeAll(async () => {
    files = siteFiles()
    site = await makeSite(files)
    cars = await makeSite({})
    const hamt = await writeHamtCar(cars.dir)
    edge = await startEdge({ serve: [site.dir, hamt.file] })
    root = edge.info.roots[site.dir]
    hamtRoot = hamt.root.toString()
    dagNode = hamt.dagNode.toString()
    proxy = await startCountingEdgeProxy(edge.info.http)
  })

  afterAll(async () => {
    await proxy?.stop()
    await edge?.stop()
    await site?.remove()
    await cars?.remove()
  })

  beforeEach(async () => {
    // a browser that has never seen the content: an empty store
    gateway = await startTestGateway({ edges: [proxy.url] })
  })

  afterEach(async () => {
    await gateway?.stop()
  })

  describe('a file', () => {
    it('is its exact bytes, with the immutable-content headers and its blocks counted as from the edge', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/big.bin`)
      const fileCid = response.headers.get('x-ipfs-roots')?.split(',').at(-1)

      expect(response.status).toBe(200)
      expect(sha256(await bytesOf(response))).toBe(sha256(big()))
      expect(response.headers.get('etag')).toBe(`"${fileCid}"`)
      expect(CID.parse(fileCid ?? '').toString()).not.toBe(root)
      expect(response.headers.get('x-ipfs-path')).toBe(`/ipfs/${root}/big.bin`)
      expect(response.headers.get('cache-control')).toBe(IMMUTABLE)
      expect(response.headers.get('content-type')).toBe('application/octet-stream')
      expect(response.headers.get('content-length')).toBe(String(BIG_FILE_BYTES))
      expect(sourceCounts(response)).toMatchObject({ edge: expect.any(Number), peer: 0 })
      expect(sourceCounts(response).edge).toBeGreaterThan(0)
      expect(response.headers.get('server-timing')).toContain('edgeway;desc="first byte"')
    })

    it('has the Content-Type its name and bytes say', async () => {
      const text = await gateway.fetch(`/ipfs/${root}/notes.txt`)
      const page = await gateway.fetch(`/ipfs/${root}/index.html`)

      expect(text.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(await text.text()).toBe(files['notes.txt'])
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await page.text()).toBe(files['index.html'])
    })

    it('is read from the store the second time: no block and no byte from the edge', async () => {
      const first = await gateway.fetch(`/ipfs/${root}/big.bin`)
      expect(sha256(await bytesOf(first))).toBe(sha256(big()))
      await gateway.settled()
      const fromEdge = proxy.bytes()

      const second = await gateway.fetch(`/ipfs/${root}/big.bin`)

      expect(second.status).toBe(200)
      expect(sha256(await bytesOf(second))).toBe(sha256(big()))
      expect(sourceCounts(second).edge).toBe(0)
      expect(sourceCounts(second).cache).toBeGreaterThan(0)
      expect(proxy.bytes()).toBe(fromEdge)
      expect(second.headers.get('etag')).toBe(first.headers.get('etag'))
    })

    it('of one block, in a root this browser already holds, takes one request to the edge: that block, not a CAR', async () => {
      const sibling = await gateway.fetch(`/ipfs/${root}/docs/a.txt`)
      expect(await sibling.text()).toBe(files['docs/a.txt'])
      await gateway.settled()
      const before = proxy.requests().length

      const response = await gateway.fetch(`/ipfs/${root}/docs/b.txt`)

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(files['docs/b.txt'])
      expect(response.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(response.headers.get('content-length')).toBe(String((files['docs/b.txt'] as string).length))
      expect(sourceCounts(response)).toMatchObject({ edge: 1 })
      const fileCid = response.headers.get('x-ipfs-roots')?.split(',').at(-1)
      expect(proxy.requests().slice(before)).toEqual([`/ipfs/${fileCid}?format=raw`])
    })

    it('of one block is ranged and answered to HEAD as a longer file is', async () => {
      const text = files['docs/b.txt'] as string
      const ranged = await gateway.fetch(`/ipfs/${root}/docs/b.txt`, { headers: { range: 'bytes=2-5' } })
      const head = await gateway.fetch(`/ipfs/${root}/docs/b.txt`, { method: 'HEAD' })

      expect(ranged.status).toBe(206)
      expect(ranged.headers.get('content-range')).toBe(`bytes 2-5/${text.length}`)
      expect(await ranged.text()).toBe(text.slice(2, 6))
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(text.length))
      expect(head.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(await head.text()).toBe('')
    })

    it('of several blocks, in a root this browser already holds, comes in one CAR with the path', async () => {
      const sibling = await gateway.fetch(`/ipfs/${root}/notes.txt`)
      expect(await sibling.text()).toBe(files['notes.txt'])
      await gateway.settled()
      const before = proxy.requests().length

      const response = await gateway.fetch(`/ipfs/${root}/big.bin`)

      expect(sha256(await bytesOf(response))).toBe(sha256(big()))
      const asked = proxy.requests().slice(before)
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatch(new RegExp(`^/ipfs/${root}/big\\.bin\\?format=car&dag-scope=entity&`))
    })

    it('answers HEAD with the headers of GET and no body', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/notes.txt`, { method: 'HEAD' })

      expect(response.status).toBe(200)
      expect(response.headers.get('content-length')).toBe(String((files['notes.txt'] as string).length))
      expect(response.headers.get('etag')).not.toBeNull()
      expect((await bytesOf(response)).byteLength).toBe(0)
    })

    it('is a 304 for a request that already holds its Etag', async () => {
      const first = await gateway.fetch(`/ipfs/${root}/notes.txt`)
      await first.arrayBuffer()
      const etag = first.headers.get('etag') ?? ''

      const again = await gateway.fetch(`/ipfs/${root}/notes.txt`, { headers: { 'if-none-match': etag } })

      expect(again.status).toBe(304)
      expect((await bytesOf(again)).byteLength).toBe(0)
    })
  })

  describe('a range', () => {
    it('across block boundaries is a 206 with exactly those bytes', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/big.bin`, { headers: { range: 'bytes=200000-800000' } })

      expect(response.status).toBe(206)
      expect(response.headers.get('content-range')).toBe(`bytes 200000-800000/${BIG_FILE_BYTES}`)
      expect(response.headers.get('content-length')).toBe('600001')
      expect(sha256(await bytesOf(response))).toBe(sha256(big().subarray(200000, 800001)))
    })

    it('open-ended and suffix ranges end at the file\'s end', async () => {
      const tail = await gateway.fetch(`/ipfs/${root}/big.bin`, { headers: { range: `bytes=${BIG_FILE_BYTES - 5000}-` } })
      const suffix = await gateway.fetch(`/ipfs/${root}/big.bin`, { headers: { range: 'bytes=-100' } })

      expect(tail.status).toBe(206)
      expect(tail.headers.get('content-range')).toBe(`bytes ${BIG_FILE_BYTES - 5000}-${BIG_FILE_BYTES - 1}/${BIG_FILE_BYTES}`)
      expect(sha256(await bytesOf(tail))).toBe(sha256(big().subarray(BIG_FILE_BYTES - 5000)))
      expect(suffix.status).toBe(206)
      expect(suffix.headers.get('content-range')).toBe(`bytes ${BIG_FILE_BYTES - 100}-${BIG_FILE_BYTES - 1}/${BIG_FILE_BYTES}`)
      expect(sha256(await bytesOf(suffix))).toBe(sha256(big().subarray(BIG_FILE_BYTES - 100)))
    })

    it('that is malformed, or starts past the end, is a 416', async () => {
      const backwards = await gateway.fetch(`/ipfs/${root}/big.bin`, { headers: { range: 'bytes=500-100' } })
      const beyond = await gateway.fetch(`/ipfs/${root}/big.bin`, { headers: { range: `bytes=${BIG_FILE_BYTES + 10}-` } })

      expect(backwards.status).toBe(416)
      expect(beyond.status).toBe(416)
      await Promise.all([backwards.arrayBuffer(), beyond.arrayBuffer()])
    })
  })

  describe('a directory', () => {
    it('with an index.html is that page', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/`)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('x-ipfs-path')).toBe(`/ipfs/${root}/`)
      expect(response.headers.get('cache-control')).toBe(IMMUTABLE)
      expect(await response.text()).toBe(files['index.html'])
    })

    it('without its trailing slash is a 301 to the path with one', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/docs`)

      expect(response.status).toBe(301)
      expect(response.headers.get('location')).toBe(`/ipfs/${root}/docs/`)
    })

    it('without an index.html is a listing of its entries', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/docs/`)
      const html = await response.text()

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(html).toContain('data-testid="directory-listing"')
      // relative links: they resolve on a path gateway and on the site's own origin alike
      expect(html).toContain('href="./a.txt"')
      expect(html).toContain('href="./b.txt"')
    })

    it('sharded as a HAMT gives each file by name and lists every entry', async () => {
      const node = decode(await bytesOf(await gateway.fetch(`/ipfs/${hamtRoot}?format=raw`)))
      expect(UnixFS.unmarshal(node.Data ?? new Uint8Array()).type).toBe('hamt-sharded-directory')
      const file = await gateway.fetch(`/ipfs/${hamtRoot}/${HAMT_NAMES[17]}`)
      const listing = await gateway.fetch(`/ipfs/${hamtRoot}/`)
      const missing = await gateway.fetch(`/ipfs/${hamtRoot}/entry-99.txt`)
      const html = await listing.text()

      expect(file.status).toBe(200)
      expect(await file.text()).toBe(hamtFileText(HAMT_NAMES[17]))
      expect(listing.status).toBe(200)
      expect(HAMT_NAMES.filter(name => !html.includes(`href="./${name}"`))).toEqual([])
      expect(missing.status).toBe(404)
      expect(await errorOf(missing)).toBe('NotInDagError')
    })
  })

  describe('a site\'s _redirects file, on the site\'s own origin', () => {
    const onOrigin = (path: string): string => `http://${root}.ipfs.localhost${path}`

    it('redirects a moved page', async () => {
      const response = await gateway.fetch(onOrigin('/old-page'))

      expect(response.status).toBe(301)
      expect(response.headers.get('location')).toBe('/index.html')
    })

    it('answers an app\'s routes with its index.html', async () => {
      const response = await gateway.fetch(onOrigin('/app/settings/profile'))

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(files['index.html'])
    })

    it('answers any other missing path with the site\'s 404 page, and leaves existing files alone', async () => {
      const missing = await gateway.fetch(onOrigin('/no/such/page'))
      const existing = await gateway.fetch(onOrigin('/notes.txt'))

      expect(missing.status).toBe(404)
      expect(await missing.text()).toBe(files['404.html'])
      expect(existing.status).toBe(200)
      expect(await existing.text()).toBe(files['notes.txt'])
    })

    it('does not apply to the site on the gateway\'s shared origin', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/old-page`)

      expect(response.status).toBe(404)
      expect(await errorOf(response)).toBe('NotInDagError')
    })
  })

  describe('formats', () => {
    it('?format=raw is the block itself, which hashes to its CID', async () => {
      const response = await gateway.fetch(`/ipfs/${root}?format=raw`)
      const bytes = await bytesOf(response)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      expect(equals((await sha256Hasher.digest(bytes)).bytes, CID.parse(root).multihash.bytes)).toBe(true)
    })

    it('?format=car is a CAR of verified blocks rooted at the CID, holding the whole file', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/big.bin?format=car`)
      const car = await readVerifiedCar(await bytesOf(response))
      const fileCid = car.roots[0]

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.ipld\.car/)
      expect(sha256(await catFile(car.blockstore, fileCid))).toBe(sha256(big()))
    })

    it('?format=tar is a tar of the directory: each file under its name, with its bytes', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/docs/?format=tar`)
      const tar = new TextDecoder('latin1').decode(await bytesOf(response))

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/x-tar')
      for (const name of ['a.txt', 'b.txt']) {
        expect(tar).toContain(name)
        expect(tar).toContain(files[`docs/${name}`])
      }
    })

    it('Accept: application/vnd.ipld.raw asks for the block as ?format=raw does', async () => {
      const byHeader = await gateway.fetch(`/ipfs/${root}/notes.txt`, { headers: { accept: 'application/vnd.ipld.raw' } })

      expect(byHeader.status).toBe(200)
      expect(byHeader.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      expect(new TextDecoder().decode(await bytesOf(byHeader))).toBe(files['notes.txt'])
    })
  })

  describe('a DAG-CBOR node', () => {
    it('opened by a browser is a page showing the node, its link clickable', async () => {
      const response = await gateway.fetch(`/ipfs/${dagNode}`, { headers: { accept: 'text/html' } })
      const html = await response.text()

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(html).toContain(DAG_NODE_NAME)
      expect(html).toContain('data-testid="dag-preview"')
      expect(html).toContain(`href="/ipfs/${hamtRoot}/"`)
    })

    it('?format=dag-cbor is the node\'s block, which hashes to its CID', async () => {
      const response = await gateway.fetch(`/ipfs/${dagNode}?format=dag-cbor`)
      const bytes = await bytesOf(response)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.dag-cbor')
      expect(equals((await sha256Hasher.digest(bytes)).bytes, CID.parse(dagNode).multihash.bytes)).toBe(true)
    })

    it('is pathed through its link into the directory it names', async () => {
      const response = await gateway.fetch(`/ipfs/${dagNode}/site/${HAMT_NAMES[9]}`)

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(hamtFileText(HAMT_NAMES[9]))
    })

    it('a path into a field that is not a link is a 501', async () => {
      const response = await gateway.fetch(`/ipfs/${dagNode}/meta/kind`)

      expect(response.status).toBe(501)
      expect(await errorOf(response)).toBe('NotSupportedError')
    })
  })

  describe('requests that cannot be answered', () => {
    it('a path the DAG does not have is a 404', async () => {
      const response = await gateway.fetch(`/ipfs/${root}/missing.txt`)

      expect(response.status).toBe(404)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await errorOf(response)).toBe('NotInDagError')
    })

    it('a malformed CID, a missing CID, an unknown format and an unverifiable hash are 400s, without asking the edge', async () => {
      const before = proxy.bytes()
      // a CIDv1 whose multihash is md5 (0xd5): no block could be checked against it
      const md5 = CID.createV1(0x55, { code: 0xd5, size: 16, digest: new Uint8Array(16), bytes: Uint8Array.from([0xd5, 16, ...new Uint8Array(16)]) })
      const answers = await Promise.all([
        gateway.fetch('/ipfs/not-a-cid/file'),
        gateway.fetch('/ipfs/'),
        gateway.fetch(`/ipfs/${root}/notes.txt?format=zip`),
        gateway.fetch(`/ipfs/${md5.toString()}`)
      ])

      expect(answers.map(response => response.status)).toEqual([400, 400, 400, 400])
      expect(await Promise.all(answers.map(errorOf))).toEqual(['InvalidRequestError', 'InvalidRequestError', 'InvalidRequestError', 'InvalidRequestError'])
      expect(proxy.bytes()).toBe(before)
    })

    it('errors are a readable page for a browser, JSON for a client that asks for it', async () => {
      const page = await gateway.fetch(`/ipfs/${root}/missing.txt`, { headers: { accept: 'text/html' } })
      const json = await gateway.fetch(`/ipfs/${root}/missing.txt`, { headers: JSON_ACCEPT })

      expect(page.status).toBe(404)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await errorOf(page)).toBe('NotInDagError')
      expect(json.status).toBe(404)
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(await json.json()).toMatchObject({ status: 404, error: 'NotInDagError' })
    })
  })
})
