import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSourceHeader } from '../src/lib/source-tally.ts'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { Browser, Page } from 'playwright-core'

const MiB = 1024 * 1024
const A = randomFile(MiB + 123)
const B = randomFile(MiB + 456)
/** Short, so "nobody the SW reaches has it" is a quick 504 */
const TIMEOUT_MS = 6_000

/**
 * The SW runs no libp2p: it fetches over HTTP itself, and what only libp2p
 * reaches (here, an edge given as a multiaddr alone) comes through the peer
 * a tab runs (the gateway page's), over the bridge.
 */
describe('the SW fetches over HTTP; an edge reached over libp2p alone comes through a tab\'s peer', () => {
  let site: Awaited<ReturnType<typeof makeSite>>
  let edge: Running<EdgeInfo>
  let wsOnly: Running<LauncherInfo>
  let httpOnly: Running<LauncherInfo>
  let browser: Browser
  let root: string

  beforeAll(async () => {
    site = await makeSite({ 'a.bin': A, 'b.bin': B })
    edge = await spawnEdge(['--serve', site.dir])
    root = edge.info.roots[site.dir]
    ;[wsOnly, httpOnly] = await Promise.all([
      spawnLauncher(['--edge', edge.info.multiaddrs[0], '--timeout-ms', String(TIMEOUT_MS)]),
      spawnLauncher(['--edge', edge.info.http, '--timeout-ms', String(TIMEOUT_MS)])
    ])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await Promise.all([wsOnly?.stop(), httpOnly?.stop()])
    await edge?.stop()
    await site?.remove()
  })

  /** A fresh browser with the gateway page open (its tab runs a peer), once the peer is up */
  async function gatewayPage (gateway: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${gateway}/`)
    await page.locator('[data-testid="peer-status"][data-peer-id]').waitFor({ timeout: 30_000 })
    return page
  }

  it('the SW\'s script has no libp2p in it', async () => {
    const script = await readFile(resolve(import.meta.dirname, '../dist/sw.js'), 'utf8')
    // protocol ids only libp2p's transports and bitswap carry
    for (const protocol of ['/yamux/1.0.0', '/noise', '/ipfs/bitswap/1.2.0', '/ipfs/id/1.0.0']) {
      expect(script).not.toContain(protocol)
    }
  })

  it('with an edge given only as a multiaddr, the page reads its file through the SW by way of the tab\'s peer, exactly', async () => {
    expect(wsOnly.info.edges).toEqual([expect.objectContaining({ multiaddrs: [edge.info.multiaddrs[0]] })])
    expect(wsOnly.info.edges[0].http).toBeUndefined()
    const page = await gatewayPage(wsOnly.info.gateway)
    try {
      const result = await fetchInPage(page, `/ipfs/${root}/a.bin`)
      expect(result).toMatchObject({ status: 200, length: A.byteLength, sha256: sha256(A) })
      // the edge's blocks, fetched by the tab over bitswap, count as the edge's
      expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)?.edge).toBeGreaterThan(0)

      // the page leaves the gateway page: no tab of this browser runs a peer, and the SW alone cannot reach the edge
      await page.goto(`${wsOnly.info.gateway}/edgeway.json`)
      const alone = await fetchInPage(page, `/ipfs/${root}/b.bin`, { headers: { Accept: 'application/json' } })
      expect(alone.status).toBe(504)
      // what it read through the tab is in its store: served from there, with no tab
      const again = await fetchInPage(page, `/ipfs/${root}/a.bin`)
      expect(again).toMatchObject({ status: 200, length: A.byteLength, sha256: sha256(A) })
      expect(parseSourceHeader(again.headers['x-edgeway-source'] ?? null)?.edge ?? 0).toBe(0)
    } finally {
      await page.context().close()
    }
  })

  it('with HTTP edges, the SW alone (no tab runs a peer) reads the file from them, exactly', async () => {
    const page = await gatewayPage(httpOnly.info.gateway)
    try {
      await page.goto(`${httpOnly.info.gateway}/edgeway.json`)
      expect(await page.evaluate(() => navigator.serviceWorker.controller != null)).toBe(true)
      const result = await fetchInPage(page, `/ipfs/${root}/b.bin`)
      expect(result).toMatchObject({ status: 200, length: B.byteLength, sha256: sha256(B) })
      expect(parseSourceHeader(result.headers['x-edgeway-source'] ?? null)?.edge).toBeGreaterThan(0)
    } finally {
      await page.context().close()
    }
  })
})
