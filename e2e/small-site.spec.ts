import { CID } from 'multiformats/cid'
import { base32upper } from 'multiformats/bases/base32'
import * as raw from 'multiformats/codecs/raw'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { LOCAL_STORE_VERSION } from '../src/node/local-store-schema.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { startCountingEdgeProxy } from './support/counting-edge-proxy.ts'
import { fetchInPage, openThroughServiceWorker, putInIndexedDb } from './support/page-helpers.ts'
import { auditStore } from './support/stored-blocks.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { CountingEdgeProxy } from './support/counting-edge-proxy.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser } from 'playwright-core'

const IMAGES = 40
const SCRIPTS = 20
const STYLES = 20
/** Larger than a small site may be: the root is not fetched whole, the site inside it is */
const BIG_SIZE = 6 * 1024 * 1024

/** A page in `site/` that loads many small assets beside it, and a big file beside `site/` */
function siteFiles (): Record<string, Uint8Array | string> {
  const files: Record<string, Uint8Array | string> = { 'big.bin': randomFile(BIG_SIZE) }
  const head: string[] = []
  const body: string[] = []
  for (let i = 0; i < IMAGES; i++) {
    files[`site/img-${i}.svg`] = `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#${(i * 40503).toString(16).padStart(6, '0').slice(-6)}"/><!-- ${'x'.repeat(2000 + i)} --></svg>`
    body.push(`<img src="img-${i}.svg">`)
  }
  for (let i = 0; i < SCRIPTS; i++) {
    files[`site/script-${i}.js`] = `globalThis.ran = (globalThis.ran ?? 0) + 1 // ${'y'.repeat(2000 + i)}\n`
    head.push(`<script src="script-${i}.js"></script>`)
  }
  for (let i = 0; i < STYLES; i++) {
    files[`site/style-${i}.css`] = `.s${i} { color: red } /* ${'z'.repeat(2000 + i)} */\n`
    head.push(`<link rel="stylesheet" href="style-${i}.css">`)
  }
  files['site/index.html'] = `<!doctype html><html><head><meta charset="utf-8"><title>small site</title>${head.join('')}</head><body>${body.join('')}</body></html>`
  return files
}

describe('a small site in one go', () => {
  let edge: Running<EdgeInfo>
  let proxy: CountingEdgeProxy
  /** The default gateway: each root on its own origin */
  let launcher: Running<LauncherInfo>
  /** A path gateway: content on the gateway's origin, sandboxed (its scripts do not run) */
  let pathLauncher: Running<LauncherInfo>
  let browser: Browser
  let site: Awaited<ReturnType<typeof makeSite>>
  let files: Record<string, Uint8Array | string>
  let root: string

  beforeAll(async () => {
    files = siteFiles()
    site = await makeSite(files)
    edge = await spawnEdge(['--serve', site.dir])
    root = edge.info.roots[site.dir]
    // the edge's request log: what the browser asked for
    proxy = await startCountingEdgeProxy(edge.info.http)
    ;[launcher, pathLauncher] = await Promise.all([spawnLauncher(['--edge', proxy.url]), spawnLauncher(['--edge', proxy.url, '--path-gateway'])])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await pathLauncher?.stop()
    await proxy?.stop()
    await edge?.stop()
    await site?.remove()
  })

  for (const mode of ['subdomain', 'path'] as const) {
    it(`loads every asset of the page from the store, after one CAR of the site directory (${mode} mode)`, async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const pageUrl = mode === 'subdomain'
        ? `http://${root}.ipfs.localhost:${new URL(launcher.info.gateway).port}/site/index.html`
        : `${pathLauncher.info.gateway}/ipfs/${root}/site/index.html`
      const assetSources: Array<{ url: string, source: string | null }> = []
      page.on('response', response => {
        if (/\/site\/(img|script|style)-/.test(response.url())) {
          assetSources.push({ url: response.url(), source: response.headers()['x-edgeway-source'] ?? null })
        }
      })
      const before = proxy.requests().length

      await openThroughServiceWorker(page, pageUrl)
      await page.waitForLoadState('load')
      const loaded = await page.evaluate(() => ({
        ran: (globalThis as { ran?: number }).ran ?? 0,
        images: Array.from(document.images).filter(image => image.complete && image.naturalWidth > 0).length,
        styles: Array.from(document.styleSheets).filter(sheet => sheet.cssRules.length > 0).length
      }))
      // path content on the gateway's origin is sandboxed: its scripts are fetched but do not run
      expect(loaded).toEqual({ ran: mode === 'subdomain' ? SCRIPTS : 0, images: IMAGES, styles: STYLES })

      // the page's own loads: through the SW, each from blocks the site CAR brought (the edge's, counted as such
      // by the first response that used them), with no request of their own (below)
      expect(assetSources).toHaveLength(IMAGES + SCRIPTS + STYLES)
      for (const { url, source } of assetSources) {
        const counts = parseSourceHeader(source)
        expect(counts, url).not.toBeNull()
        expect(counts?.edge, url).toBeGreaterThan(0)
        expect(counts?.peer, url).toBe(0)
      }
      const asked = proxy.requests().slice(before)
      expect(asked.filter(url => url.includes('dag-scope=all'))).toHaveLength(1)
      expect(asked.filter(url => /(img|script|style)-\d+/.test(url))).toEqual([])
      // the site's directory, not the root with its big file
      expect(asked.find(url => url.includes('dag-scope=all'))).not.toContain(root)

      for (const [name, content] of Object.entries(files)) {
        if (!name.startsWith('site/')) continue
        const asset = await fetchInPage(page, mode === 'subdomain' ? `/${name}` : `/ipfs/${root}/${name}`)
        expect(asset.status, name).toBe(200)
        expect(asset.sha256, name).toBe(sha256(typeof content === 'string' ? new TextEncoder().encode(content) : content))
      }
      expect(proxy.requests().slice(before)).toEqual(asked)
      await context.close()
    })
  }

  it('on the site\'s own origin, refuses an asset\'s block a script overwrote in the store once the SW no longer holds it in memory', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const name = 'site/style-3.css'
    const genuine = sha256(new TextEncoder().encode(files[name] as string))
    await openThroughServiceWorker(page, `http://${root}.ipfs.localhost:${new URL(launcher.info.gateway).port}/site/index.html`)
    await page.waitForLoadState('load')
    const first = await fetchInPage(page, `/${name}`)
    expect(first.sha256).toBe(genuine)
    // the asset is one raw block: its ETag is its CID
    const cid = CID.parse(JSON.parse(first.headers.etag))
    expect(cid.code).toBe(raw.code)
    const key = `/${base32upper.encode(cid.multihash.bytes)}`
    await expect.poll(async () => (await auditStore(page)).keys).toContain(key)

    // the site's own scripts can write the origin's IndexedDB: one overwrites the stored block
    const forged = `.forged { color: blue } /* ${'f'.repeat(2000)} */\n`
    await putInIndexedDb(page, { db: 'edgeway-blocks', version: LOCAL_STORE_VERSION, store: 'edgeway-blocks', key, value: [...new TextEncoder().encode(forged)] })
    expect((await auditStore(page)).corrupt).toContain(key)
    // the SW that verified the block on arrival answers from memory: the genuine bytes
    expect((await fetchInPage(page, `/${name}`)).sha256).toBe(genuine)

    // a new SW holds nothing in memory: the block is read from the store, found not to match, removed and fetched again
    const cdp = await context.newCDPSession(page)
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    await cdp.detach()
    const before = proxy.requests().length
    const again = await fetchInPage(page, `/${name}`)
    expect(again.status).toBe(200)
    expect(again.sha256).toBe(genuine)
    expect(again.text).not.toContain('forged')
    expect(parseSourceHeader(again.headers['x-edgeway-source'])?.edge).toBeGreaterThan(0)
    expect(proxy.requests().slice(before).some(url => url.includes('style-3.css') || url.includes(cid.toString()))).toBe(true)
    await expect.poll(async () => (await auditStore(page)).corrupt).toEqual([])
    await context.close()
  })
})
