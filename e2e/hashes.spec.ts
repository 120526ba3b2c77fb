/**
 * Content under every hash Edgeway verifies (blake3, sha2-512, identity; sha2-256 is every other spec), read through
 * the SW from real edges. Forged blake3 blocks, raw and in a CAR, are refused in verification.spec.ts, next to the
 * sha2-256 cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha512 } from 'multiformats/hashes/sha2'
import { BLAKE3_CODE } from '../src/lib/block-hashers.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startLyingEdge } from './support/lying-edge.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { auditStore } from './support/stored-blocks.ts'
import type { LyingEdge } from './support/lying-edge.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser, Page } from 'playwright-core'

const FILE = randomFile(5 * 1024 * 1024 + 777)
const INDEX = '<!doctype html><title>hashed</title><p data-testid="hashed">a site under another hash</p>\n'
const FORGED = 'forged bytes that are not the block'

/** One page through the SW of a launcher; every spec here reads through a fresh origin state. */
async function swPage (browser: Browser, gateway: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await openThroughServiceWorker(page, `${gateway}/`)
  return page
}

describe.each([
  // blake3 through the launcher's own edge (`npm start -- --hash`), sha2-512 through an edge of its own (`npm run edge -- --hash`)
  // a sha2-512 CID is longer than a DNS label even in base36, so that site is read from the path gateway
  { hash: 'blake3', code: BLAKE3_CODE, embedded: true },
  { hash: 'sha2-512', code: sha512.code, embedded: false }
])('content imported with --hash $hash', ({ hash, code, embedded }) => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Running<EdgeInfo> | undefined
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let root: string

  beforeAll(async () => {
    site = await makeSite({ 'index.html': INDEX, 'film.bin': FILE })
    if (embedded) {
      launcher = await spawnLauncher(['--hash', hash, '--serve', site.dir])
      root = launcher.info.roots[site.dir]
    } else {
      edge = await spawnEdge(['--hash', hash, '--serve', site.dir])
      launcher = await spawnLauncher(['--edge', edge.info.http, '--path-gateway'])
      root = edge.info.roots[site.dir]
    }
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await edge?.stop()
    await site?.remove()
  })

  it('is addressed by a CIDv1 with that hash', () => {
    const cid = CID.parse(root)
    expect(cid.version).toBe(1)
    expect(cid.multihash.code).toBe(code)
  })

  it('reads through the SW: the whole file, a range of it, and the site', async () => {
    const page = await swPage(browser, launcher.info.gateway)
    const whole = await fetchInPage(page, `/ipfs/${root}/film.bin`)
    expect(whole.status).toBe(200)
    expect(whole.length).toBe(FILE.byteLength)
    expect(whole.sha256).toBe(sha256(FILE))

    const start = 3 * 1024 * 1024 - 5
    const range = await fetchInPage(page, `/ipfs/${root}/film.bin`, { headers: { Range: `bytes=${start}-${start + 299_999}` } })
    expect(range.status).toBe(206)
    expect(range.headers['content-range']).toBe(`bytes ${start}-${start + 299_999}/${FILE.byteLength}`)
    expect(range.sha256).toBe(sha256(FILE.subarray(start, start + 300_000)))

    const audit = await auditStore(page)
    expect(audit.blocks).toBeGreaterThan(0)
    expect(audit.corrupt).toEqual([])

    if (embedded) {
      // subdomain mode: the site is served on its own origin
      const sitePage = await (await browser.newContext()).newPage()
      await openThroughServiceWorker(sitePage, `${launcher.info.gateway}/ipfs/${root}/`)
      await expect(sitePage.getByTestId('hashed').textContent()).resolves.toBe('a site under another hash')
    } else {
      const index = await fetchInPage(page, `/ipfs/${root}/`)
      expect(index.status).toBe(200)
      expect(index.text).toContain('a site under another hash')
    }
  })
})

describe('an identity CID', () => {
  const BYTES = new TextEncoder().encode('inlined: the CID is the content\n')
  let liar: LyingEdge
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    // the only source lies about everything: an answer that needs a source would show
    liar = await startLyingEdge(() => new TextEncoder().encode(FORGED))
    launcher = await spawnLauncher(['--edge', liar.url, '--timeout-ms', '4000'])
    browser = await launchBrowser()
    page = await swPage(browser, launcher.info.gateway)
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await liar?.stop()
  })

  it('is answered from the CID alone, no source asked', async () => {
    const cid = CID.createV1(raw.code, identity.digest(BYTES))
    const result = await fetchInPage(page, `/ipfs/${cid}`)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(BYTES))
    // the bytes come from the CID (counted as a local read), never from an edge or a peer
    expect(result.headers['x-edgeway-source']).toMatch(/^cache=\d+, edge=0, peer=0$/)
    expect(liar.lies()).toBe(0)
  })

  it('longer than 128 inlined bytes is refused with a 400 at once, however long', async () => {
    for (const size of [129, 512 * 1024]) {
      const cid = CID.createV1(raw.code, identity.digest(new Uint8Array(size).fill(0x61)))
      const started = Date.now()
      const result = await fetchInPage(page, `/ipfs/${cid}`)
      expect(result.status, `${size} bytes`).toBe(400)
      expect(result.text).toContain('Identity CID too long')
      expect(Date.now() - started).toBeLessThan(3_000)
    }
    expect(liar.lies()).toBe(0)
  })
})
