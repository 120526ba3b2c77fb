import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { launchBrowser } from './support/browser.ts'
import { startLyingEdge } from './support/lying-edge.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnLauncher } from './support/processes.ts'
import type { LyingEdge } from './support/lying-edge.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { Browser } from 'playwright-core'

const TRUTH = new TextEncoder().encode('the real bytes of this block\n')
const FORGED = 'forged bytes that are not the block'

describe('an edge that sends wrong bytes', () => {
  let liar: LyingEdge
  let launcher: Running<LauncherInfo>
  let browser: Browser
  let cid: string

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256Hasher.digest(TRUTH)).toString()
    liar = await startLyingEdge(() => new TextEncoder().encode(FORGED))
    launcher = await spawnLauncher(['--edge', liar.url, '--timeout-ms', '4000'])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await launcher?.stop()
    await liar?.stop()
  })

  it('is answered 502, the forged bytes never reach the page, and nothing is cached', async () => {
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    for (const attempt of [1, 2]) {
      const result = await fetchInPage(page, `/ipfs/${cid}`)
      expect(result.status, `attempt ${attempt}`).toBe(502)
      expect(result.text).toContain('data-testid="error"')
      expect(result.text).not.toContain(FORGED)
      expect(result.headers['x-edgeway-source']).toBe('cache=0, edge=0, peer=0')
    }
    // the second attempt asked the edge again: the first one's bytes were not kept
    expect(liar.lies()).toBeGreaterThanOrEqual(2)
  })
})
