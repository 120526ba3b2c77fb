/**
 * The content engine's formats (raw, CAR, tar), a DAG-CBOR node, and the
 * requests it refuses: real edge on loopback, a node built as the SW builds
 * it; what is asserted is what a client sees. Files, ranges, directories and
 * `_redirects`: fetch-content.test.ts.
 */
import { CID } from 'multiformats/cid'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { describe, expect, it } from 'vitest'
import { catFile, readVerifiedCar } from '../../edge/test/fixtures.ts'
import { sha256 } from '../../e2e/support/content.ts'
import { bytesOf, contentEngine } from './test-support/content-engine.ts'
import { DAG_NODE_NAME, HAMT_NAMES, hamtFileText } from './test-support/fixtures.ts'
import { errorOf } from './test-support/test-gateway.ts'

const JSON_ACCEPT = { accept: 'application/json' }

describe('the content engine: formats, DAG-CBOR and refusals', () => {
  const engine = contentEngine()
  const big = (): Uint8Array => engine.files['big.bin'] as Uint8Array

  describe('formats', () => {
    it('?format=raw is the block itself, which hashes to its CID', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}?format=raw`)
      const bytes = await bytesOf(response)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      expect(equals((await sha256Hasher.digest(bytes)).bytes, CID.parse(engine.root).multihash.bytes)).toBe(true)
    })

    it('?format=car is a CAR of verified blocks rooted at the CID, holding the whole file', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/big.bin?format=car`)
      const car = await readVerifiedCar(await bytesOf(response))
      const fileCid = car.roots[0]

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.ipld\.car/)
      expect(sha256(await catFile(car.blockstore, fileCid))).toBe(sha256(big()))
    })

    it('?format=tar is a tar of the directory: each file under its name, with its bytes', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/docs/?format=tar`)
      const tar = new TextDecoder('latin1').decode(await bytesOf(response))

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/x-tar')
      for (const name of ['a.txt', 'b.txt']) {
        expect(tar).toContain(name)
        expect(tar).toContain(engine.files[`docs/${name}`])
      }
    })

    it('Accept: application/vnd.ipld.raw asks for the block as ?format=raw does', async () => {
      const byHeader = await engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt`, { headers: { accept: 'application/vnd.ipld.raw' } })

      expect(byHeader.status).toBe(200)
      expect(byHeader.headers.get('content-type')).toBe('application/vnd.ipld.raw')
      expect(new TextDecoder().decode(await bytesOf(byHeader))).toBe(engine.files['notes.txt'])
    })
  })

  describe('a DAG-CBOR node', () => {
    it('opened by a browser is a page showing the node, its link clickable', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.dagNode}`, { headers: { accept: 'text/html' } })
      const html = await response.text()

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(html).toContain(DAG_NODE_NAME)
      expect(html).toContain('data-testid="dag-preview"')
      expect(html).toContain(`href="/ipfs/${engine.hamtRoot}/"`)
    })

    it('?format=dag-cbor is the node\'s block, which hashes to its CID', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.dagNode}?format=dag-cbor`)
      const bytes = await bytesOf(response)

      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.dag-cbor')
      expect(equals((await sha256Hasher.digest(bytes)).bytes, CID.parse(engine.dagNode).multihash.bytes)).toBe(true)
    })

    it('is pathed through its link into the directory it names', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.dagNode}/site/${HAMT_NAMES[9]}`)

      expect(response.status).toBe(200)
      expect(await response.text()).toBe(hamtFileText(HAMT_NAMES[9]))
    })

    it('a path into a field that is not a link is a 501', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.dagNode}/meta/kind`)

      expect(response.status).toBe(501)
      expect(await errorOf(response)).toBe('NotSupportedError')
    })
  })

  describe('requests that cannot be answered', () => {
    it('a path the DAG does not have is a 404', async () => {
      const response = await engine.gateway.fetch(`/ipfs/${engine.root}/missing.txt`)

      expect(response.status).toBe(404)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await errorOf(response)).toBe('NotInDagError')
    })

    it('a malformed CID, a missing CID, an unknown format and an unverifiable hash are 400s, without asking the edge', async () => {
      const before = engine.proxy.bytes()
      // a CIDv1 whose multihash is md5 (0xd5): no block could be checked against it
      const md5 = CID.createV1(0x55, { code: 0xd5, size: 16, digest: new Uint8Array(16), bytes: Uint8Array.from([0xd5, 16, ...new Uint8Array(16)]) })
      const answers = await Promise.all([
        engine.gateway.fetch('/ipfs/not-a-cid/file'),
        engine.gateway.fetch('/ipfs/'),
        engine.gateway.fetch(`/ipfs/${engine.root}/notes.txt?format=zip`),
        engine.gateway.fetch(`/ipfs/${md5.toString()}`)
      ])

      expect(answers.map(response => response.status)).toEqual([400, 400, 400, 400])
      expect(await Promise.all(answers.map(errorOf))).toEqual(['InvalidRequestError', 'InvalidRequestError', 'InvalidRequestError', 'InvalidRequestError'])
      expect(engine.proxy.bytes()).toBe(before)
    })

    it('errors are a readable page for a browser, JSON for a client that asks for it', async () => {
      const page = await engine.gateway.fetch(`/ipfs/${engine.root}/missing.txt`, { headers: { accept: 'text/html' } })
      const json = await engine.gateway.fetch(`/ipfs/${engine.root}/missing.txt`, { headers: JSON_ACCEPT })

      expect(page.status).toBe(404)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await errorOf(page)).toBe('NotInDagError')
      expect(json.status).toBe(404)
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(await json.json()).toMatchObject({ status: 404, error: 'NotInDagError' })
    })
  })
})
