/**
 * The content engine as a user meets it: a request to the SW's content
 * handler, answered from a real edge on loopback through a node built as the
 * SW builds it (an in-memory store in place of IndexedDB). What is asserted
 * is what a browser sees: status, headers, and the sha256 of the bytes.
 * Formats, DAG-CBOR and refusals: fetch-content-formats.test.ts.
 */
import { decode } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../e2e/support/content.ts'
import { bytesOf, contentEngine } from './test-support/content-engine.ts'
import { BIG_FILE_BYTES, HAMT_NAMES, hamtFileText } from './test-support/fixtures.ts'
import { errorOf, sourceCounts } from './test-support/test-gateway.ts'

const IMMUTABLE = 'public, max-age=29030400, immutable'

describe('the content engine, from request to response', () => {
  const engine = contentEngine()
  const big = (): Uint8Array => engine.files['big.bin'] as Uint8Array

  describe('a file', () => {
    it('is its exact bytes, with the immutable-content headers and its blocks counted as from the edge', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`)
      const fileCid = response.headers.get('x-ipfs-roots')?.split(',').at(-1)

      expect(response.status).toBe(200)
      expect(sha256(await bytesOf(response))).toBe(sha256(big()))
      expect(response.headers.get('etag')).toBe(`"${fileCid}"`)
      expect(CID.parse(fileCid ?? '').toString()).not.toBe(engine.root)
      expect(response.headers.get('x-ipfs-path')).toBe(`/ipfs/${engine.root}/big.bin`)
      expect(response.headers.get('cache-control')).toBe(IMMUTABLE)
      expect(response.headers.get('content-type')).toBe('application/octet-stream')
      expect(response.headers.get('content-length')).toBe(String(BIG_FILE_BYTES))
      expect(sourceCounts(response)).toMatchObject({ edge: expect.any(Number), peer: 0 })
      expect(sourceCounts(response).edge).toBeGreaterThan(0)
      expect(response.headers.get('server-timing')).toContain('edgeway;desc="first byte"')
    })

    it('has the Content-Type its name and bytes say', async () => {
      const text = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`)
      const page = await engine.gateway.fetch(`/ipfs/${engine.root}/index.html`)

      expect(text.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(await text.text()).toBe(engine.files['notes.txt'])
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await page.text()).toBe(engine.files['index.html'])
    })

    it('is read from the store the second time: no block and no byte from the edge', async () => {
      const first = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`)
      expect(sha256(await bytesOf(first))).toBe(sha256(big()))
      await engine.gateway.settled()
      const fromEdge = engine.proxy.bytes()

      const second = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`)

      expect(second.status).toBe(200)
      expect(sha256(await bytesOf(second))).toBe(sha256(big()))
      expect(sourceCounts(second).edge).toBe(0)
      expect(sourceCounts(second).cache).toBeGreaterThan(0)
      expect(engine.proxy.bytes()).toBe(fromEdge)
      expect(second.headers.get('etag')).toBe(first.headers.get('etag'))
    })

    it('of one block, in a root this browser already holds, takes one request to the edge: that block, not a CAR', async () => {
      const sibling = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/a.txt`)
      expect(await sibling.text()).toBe(engine.files['docs/a.txt'])
      await engine.gateway.settled()
      const before = engine.proxy.requests().length

      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/b.txt`)

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(engine.files['docs/b.txt'])
      expect(response.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(response.headers.get('content-length')).toBe(String((engine.files['docs/b.txt'] as string).length))
      expect(sourceCounts(response)).toMatchObject({ edge: 1 })
      const fileCid = response.headers.get('x-ipfs-roots')?.split(',').at(-1)
      expect(engine.proxy.requests().slice(before)).toEqual([`/ipfs/${fileCid}?format=raw`])
    })

    it('of one block is ranged and answered to HEAD as a longer file is', async () => {
      const text = engine.files['docs/b.txt'] as string
      const ranged = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/b.txt`, { headers: { range: 'bytes=2-5' } })
      const head = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/b.txt`, { method: 'HEAD' })

      expect(ranged.status).toBe(206)
      expect(ranged.headers.get('content-range')).toBe(`bytes 2-5/${text.length}`)
      expect(await ranged.text()).toBe(text.slice(2, 6))
      expect(head.status).toBe(200)
      expect(head.headers.get('content-length')).toBe(String(text.length))
      expect(head.headers.get('content-type')).toMatch(/^text\/plain\b/)
      expect(await head.text()).toBe('')
    })

    it('of several blocks, in a root this browser already holds, comes in one CAR with the path', async () => {
      const sibling = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`)
      expect(await sibling.text()).toBe(engine.files['notes.txt'])
      await engine.gateway.settled()
      const before = engine.proxy.requests().length

      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`)

      expect(sha256(await bytesOf(response))).toBe(sha256(big()))
      const asked = engine.proxy.requests().slice(before)
      expect(asked).toHaveLength(1)
      expect(asked[0]).toMatch(new RegExp(`^/ipfs/${engine.root}/big\\.bin\\?format=car&dag-scope=entity&`))
    })

    it('answers HEAD with the headers of GET and no body', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`, { method: 'HEAD' })

      expect(response.status).toBe(200)
      expect(response.headers.get('content-length')).toBe(String((engine.files['notes.txt'] as string).length))
      expect(response.headers.get('etag')).not.toBeNull()
      expect((await bytesOf(response)).byteLength).toBe(0)
    })

    it('is a 304 for a request that already holds its Etag', async () => {
      const first = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`)
      await first.arrayBuffer()
      const etag = first.headers.get('etag') ?? ''

      const again = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`, { headers: { 'if-none-match': etag } })

      expect(again.status).toBe(304)
      expect((await bytesOf(again)).byteLength).toBe(0)
    })
  })

  describe('a range', () => {
    it('across block boundaries is a 206 with exactly those bytes', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`, { headers: { range: 'bytes=200000-800000' } })

      expect(response.status).toBe(206)
      expect(response.headers.get('content-range')).toBe(`bytes 200000-800000/${BIG_FILE_BYTES}`)
      expect(response.headers.get('content-length')).toBe('600001')
      expect(sha256(await bytesOf(response))).toBe(sha256(big().subarray(200000, 800001)))
    })

    it('open-ended and suffix ranges end at the file\'s end', async () => {
      const tail = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`, { headers: { range: `bytes=${BIG_FILE_BYTES - 5000}-` } })
      const suffix = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`, { headers: { range: 'bytes=-100' } })

      expect(tail.status).toBe(206)
      expect(tail.headers.get('content-range')).toBe(`bytes ${BIG_FILE_BYTES - 5000}-${BIG_FILE_BYTES - 1}/${BIG_FILE_BYTES}`)
      expect(sha256(await bytesOf(tail))).toBe(sha256(big().subarray(BIG_FILE_BYTES - 5000)))
      expect(suffix.status).toBe(206)
      expect(suffix.headers.get('content-range')).toBe(`bytes ${BIG_FILE_BYTES - 100}-${BIG_FILE_BYTES - 1}/${BIG_FILE_BYTES}`)
      expect(sha256(await bytesOf(suffix))).toBe(sha256(big().subarray(BIG_FILE_BYTES - 100)))
    })

    it('that is malformed, or starts past the end, is a 416', async () => {
      const backwards = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`, { headers: { range: 'bytes=500-100' } })
      const beyond = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin`, { headers: { range: `bytes=${BIG_FILE_BYTES + 10}-` } })

      expect(backwards.status).toBe(416)
      expect(beyond.status).toBe(416)
      await Promise.all([backwards.arrayBuffer(), beyond.arrayBuffer()])
    })
  })

  describe('a directory', () => {
    it('with an index.html is that page', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/`)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('x-ipfs-path')).toBe(`/ipfs/${engine.root}/`)
      expect(response.headers.get('cache-control')).toBe(IMMUTABLE)
      expect(await response.text()).toBe(engine.files['index.html'])
    })

    it('without its trailing slash is a 301 to the path with one', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/docs`)

      expect(response.status).toBe(301)
      expect(response.headers.get('location')).toBe(`/ipfs/${engine.root}/docs/`)
    })

    it('without an index.html is a listing of its entries', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/`)
      const html = await response.text()

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(html).toContain('data-testid="directory-listing"')
      // relative links: they resolve on a path gateway and on the site's own origin alike
      expect(html).toContain('href="./a.txt"')
      expect(html).toContain('href="./b.txt"')
    })

    it('sharded as a HAMT gives each file by name and lists every entry', async () => {
      const node = decode(await bytesOf(await engine.gateway.fetch(`/ipfs/${engine.hamtRoot}?format=raw`)))
      expect(UnixFS.unmarshal(node.Data ?? new Uint8Array()).type).toBe('hamt-sharded-directory')
      const file = await engine.gateway.fetch(`/ipfs/${engine.hamtRoot}/${HAMT_NAMES[17]}`)
      const listing = await engine.gateway.fetch(`/ipfs/${engine.hamtRoot}/`)
      const missing = await engine.gateway.fetch(`/ipfs/${engine.hamtRoot}/entry-99.txt`)
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
    const onOrigin = (path: string): string => `http://${engine.root}.ipfs.localhost${path}`

    it('redirects a moved page', async () => {
      const response = await engine.gateway.fetch(onOrigin('/old-page'))

      expect(response.status).toBe(301)
      expect(response.headers.get('location')).toBe('/index.html')
    })

    it('answers an app\'s routes with its index.html', async () => {
      const response = await engine.gateway.fetch(onOrigin('/app/settings/profile'))

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(engine.files['index.html'])
    })

    it('answers any other missing path with the site\'s 404 page, and leaves existing files alone', async () => {
      const missing = await engine.gateway.fetch(onOrigin('/no/such/page'))
      const existing = await engine.gateway.fetch(onOrigin('/notes.txt'))

      expect(missing.status).toBe(404)
      expect(await missing.text()).toBe(engine.files['404.html'])
      expect(existing.status).toBe(200)
      expect(await existing.text()).toBe(engine.files['notes.txt'])
    })

    it('does not apply to the site on the gateway\'s shared origin', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/old-page`)

      expect(response.status).toBe(404)
      expect(await errorOf(response)).toBe('NotInDagError')
    })
  })
})
