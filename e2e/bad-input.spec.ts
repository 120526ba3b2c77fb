import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker, swEdgeBytes } from './support/page-helpers.ts'
import { startSiteGateway } from './support/site-gateway.ts'
import type { SiteGateway } from './support/site-gateway.ts'
import type { Page } from 'playwright-core'

const FILE_SIZE = 300_000

describe('bad input is a clear 4xx page, and the SW keeps working', () => {
  let gateway: SiteGateway
  let page: Page
  let root: string
  let gitCid: string
  const file = randomFile(FILE_SIZE)
  const small = 'just a line\n'

  beforeAll(async () => {
    gateway = await startSiteGateway({ 'data.bin': file, 'small.txt': small, 'cold.bin': randomFile(FILE_SIZE) }, { launcherArgs: ['--timeout-ms', '3000'] })
    ;({ page, root } = gateway)
    // the bytes of small.txt (a raw leaf the edge holds) named with the git-raw codec
    gitCid = CID.createV1(0x78, await sha256Hasher.digest(new TextEncoder().encode(small))).toString()
  })

  afterAll(async () => {
    await gateway?.stop()
  })

  const errorOf = async (url: string, headers: Record<string, string> = {}): Promise<{ status: number, error: string, message: string }> => {
    const result = await fetchInPage(page, url, { headers: { ...headers, Accept: headers.Accept ?? 'application/json' } })
    const body = JSON.parse(result.text) as { status: number, error: string, message: string }
    expect(body.status).toBe(result.status)
    return { status: result.status, error: body.error, message: body.message }
  }

  it('opening an invalid CID shows the error page, with what is wrong', async () => {
    const response = await page.goto(`${gateway.launcher.info.gateway}/ipfs/bafyNOTACID/`)
    expect(response?.status()).toBe(400)
    expect(await page.getByTestId('error').textContent()).toContain('Invalid CID')
    await openThroughServiceWorker(page, `${gateway.launcher.info.gateway}/`)
  })

  it('refuses a codec it cannot decode (400), yet gives the block itself as raw', async () => {
    expect(await errorOf(`/ipfs/${gitCid}`)).toMatchObject({ status: 400, error: 'InvalidRequestError', message: expect.stringContaining('Unsupported codec 0x78') })
    const block = await fetchInPage(page, `/ipfs/${gitCid}?format=raw`)
    expect(block.status).toBe(200)
    expect(block.sha256).toBe(sha256(new TextEncoder().encode(small)))
  })

  it('refuses a CID whose hash function it cannot verify (400), before asking any source', async () => {
    // sha3-256 (0x16): well formed, and no IPFS tool publishes with it
    const sha3 = CID.createV1(0x55, Digest.create(0x16, new Uint8Array(32))).toString()
    expect(await errorOf(`/ipfs/${sha3}`)).toMatchObject({ status: 400, message: expect.stringContaining('Unsupported hash function 0x16') })
  })

  it('refuses path traversal and encoded slashes (400)', async () => {
    for (const path of ['%2e%2e/data.bin', '..%2Fdata.bin', 'a%2Fb', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', 'data.bin%00.txt']) {
      expect(await errorOf(`/ipfs/${root}/${path}`), path).toMatchObject({ status: 400, error: 'InvalidRequestError' })
    }
  })

  it('refuses a 12,000 character path (400) at once', async () => {
    const started = Date.now()
    expect((await errorOf(`/ipfs/${root}/${'a/'.repeat(6000)}`)).status).toBe(400)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('answers malformed Range headers with 416 and malformed Accept headers with 406', async () => {
    // Accept: application/json would ask for the file's DAG node as JSON here: these are HTML error pages
    const cases: Array<[Record<string, string>, number]> = [
      ...['bytes=abc', `bytes=${FILE_SIZE}-`, 'bytes=9-3', 'lines=0-10'].map(range => [{ Range: range }, 416] as [Record<string, string>, number]),
      ...['application/x-nonsense', 'application/vnd.ipld.rawr', ';;;'].map(accept => [{ Accept: accept }, 406] as [Record<string, string>, number])
    ]
    for (const [headers, status] of cases) {
      const result = await fetchInPage(page, `/ipfs/${root}/data.bin`, { headers })
      expect(result.status, JSON.stringify(headers)).toBe(status)
      expect(result.text, JSON.stringify(headers)).toContain('data-testid="error"')
    }
  })

  it('refuses a malformed Range on a file it has not read yet without fetching any of it', async () => {
    const before = await swEdgeBytes(page)
    const result = await fetchInPage(page, `/ipfs/${root}/cold.bin`, { headers: { Range: 'bytes=7-x' } })
    expect(result.status).toBe(416)
    expect(await swEdgeBytes(page)).toBe(before)
  })

  it('refuses CAR parameters with undefined values (400), and ignores query parameters it does not know', async () => {
    for (const query of ['format=zip', 'format=car&dag-scope=everything', 'format=car&entity-bytes=x', 'format=car&car-version=9', 'format=car&car-dups=maybe']) {
      expect(await errorOf(`/ipfs/${root}/data.bin?${query}`), query).toMatchObject({ status: 400, error: 'InvalidRequestError' })
    }
    // like any HTTP gateway: unknown parameters change nothing
    const ignored = await fetchInPage(page, `/ipfs/${root}/data.bin?utm_source=x&foo=%ZZ&dag-scope=whatever`)
    expect(ignored.status).toBe(200)
    expect(ignored.sha256).toBe(sha256(file))
  })

  it('still answers a good request with the right bytes', async () => {
    const good = await fetchInPage(page, `/ipfs/${root}/data.bin`)
    expect(good.status).toBe(200)
    expect(good.sha256).toBe(sha256(file))
  })
})
