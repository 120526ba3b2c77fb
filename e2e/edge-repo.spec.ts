import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { makeSite, randomFile, sha256 } from './support/content.ts'
import { fetchInPage, openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'

describe('edge with --repo', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('keeps its content across a restart, and a browser gets it through the gateway', async () => {
    const file = randomFile(1024 * 1024 + 5)
    const site = await makeSite({ 'kept.bin': file })
    const repo = await mkdtemp(join(tmpdir(), 'edgeway-repo-'))
    cleanups.push(site.remove, async () => rm(repo, { recursive: true, force: true }))

    const first = await spawnEdge(['--serve', site.dir, '--repo', repo])
    const root = first.info.roots[site.dir]
    expect(await first.stop()).toBe(0)

    // the second run is given no content: whatever it serves came from the repo
    const second = await spawnEdge(['--repo', repo])
    cleanups.push(async () => second.stop())
    expect(second.info.peerId).toBe(first.info.peerId)

    const launcher = await spawnLauncher(['--edge', second.info.http])
    cleanups.push(async () => launcher.stop())
    expect(launcher.info.edges[0].multiaddrs).toEqual(second.info.multiaddrs)

    const browser = await launchBrowser()
    cleanups.push(async () => browser.close())
    const page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    const result = await fetchInPage(page, `/ipfs/${root}/kept.bin`)
    expect(result.status).toBe(200)
    expect(result.sha256).toBe(sha256(file))
  })
})
