import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomFile, sha256 } from './support/content.ts'
import { fetchInPage, swEdgeBytes } from './support/page-helpers.ts'
import { startSiteGateway } from './support/site-gateway.ts'
import { auditStore } from './support/stored-blocks.ts'
import type { SiteGateway } from './support/site-gateway.ts'
import type { Page } from 'playwright-core'

const MiB = 1024 * 1024
/** What Chromium lets the origin store: the small file fits, the large one never does */
const QUOTA = 1 * MiB
const SMALL_SIZE = 200_000
const LARGE_SIZE = 6 * MiB

describe('storage pressure: IndexedDB refuses writes (QuotaExceededError)', () => {
  let gateway: SiteGateway
  let page: Page
  let root: string
  const small = randomFile(SMALL_SIZE)
  const large = randomFile(LARGE_SIZE)

  beforeAll(async () => {
    gateway = await startSiteGateway({ 'small.bin': small, 'large.bin': large }, {
      // a real quota, enforced by Chromium's storage service for every write of the origin (IndexedDB,
      // Cache API), from before the SW exists; it holds while the DevTools session that set it is open
      beforeServiceWorker: async (page, origin) => {
        const cdp = await page.context().newCDPSession(page)
        await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: QUOTA })
      }
    })
    ;({ page, root } = gateway)
  })

  afterAll(async () => {
    await gateway?.stop()
  })

  /** Reads a file through the SW and checks it; resolves to the bytes the SW took from the edge for it. */
  const read = async (name: string, bytes: Uint8Array): Promise<number> => {
    const before = await swEdgeBytes(page)
    const result = await fetchInPage(page, `/ipfs/${root}/${name}`)
    expect(result.status, result.text).toBe(200)
    expect(result.length).toBe(bytes.byteLength)
    expect(result.sha256).toBe(sha256(bytes))
    return await swEdgeBytes(page) - before
  }

  it('a file that fits is stored; one that does not still streams whole, every time, from the edge', async () => {
    expect(await read('small.bin', small)).toBeGreaterThanOrEqual(SMALL_SIZE)
    expect(await read('small.bin', small)).toBe(0)
    expect(await read('large.bin', large)).toBeGreaterThanOrEqual(LARGE_SIZE)
    // refused by the store, so the second read comes from the edge again, just as right
    expect(await read('large.bin', large)).toBeGreaterThan(LARGE_SIZE - QUOTA)
  })

  it('leaves no partial block: every stored block hashes to its key, with its metadata, and the total adds up', async () => {
    await page.evaluate(async () => { await new Promise(resolve => setTimeout(resolve, 500)) })
    const audit = await auditStore(page)
    expect(audit).toMatchObject({ corrupt: [], unpaired: [], wrongSize: [] })
    expect(audit.blocks).toBeGreaterThan(0)
    expect(audit.blockBytes).toBeLessThan(QUOTA)
    expect(audit.usedBytes).toBe(audit.blockBytes)
  })
})
