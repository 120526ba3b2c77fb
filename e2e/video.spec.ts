import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from './support/browser.ts'
import { openThroughServiceWorker } from './support/page-helpers.ts'
import { spawnEdge, spawnLauncher } from './support/processes.ts'
import { startRangeFileServer } from './support/range-file-server.ts'
import { startSlowEdgeProxy } from './support/slow-edge-proxy.ts'
import { testVideo } from './support/test-video.ts'
import { pauseVideo, seekVideo, startVideo } from './support/video-element.ts'
import type { EdgeInfo } from '../edge/node/types.ts'
import type { LauncherInfo, Running } from './support/processes.ts'
import type { ProxiedRequest, SlowEdgeProxy } from './support/slow-edge-proxy.ts'
import type { TestVideo } from './support/test-video.ts'
import type { Browser, Page } from 'playwright-core'

const MiB = 1024 * 1024
/** The edge chunks files into leaves of this size */
const LEAF = 256 * 1024
/** Where the seek lands, as a fraction of the duration */
const SEEK_AT = 0.9

describe('a 50 MiB video plays and seeks from /ipfs/', () => {
  let browser: Browser
  let video: TestVideo
  let edge: Running<EdgeInfo>
  let proxy: SlowEdgeProxy
  let launcher: Running<LauncherInfo>
  let cid: string

  beforeAll(async () => {
    browser = await launchBrowser()
    video = await testVideo(browser, { targetBytes: 50 * MiB })
    edge = await spawnEdge(['--serve', video.path])
    cid = edge.info.roots[video.path]
    // every block the service worker gets comes through here (no WebSocket addresses), so what the edge sent is counted
    proxy = await startSlowEdgeProxy(edge.info.http, 0)
    launcher = await spawnLauncher(['--edge', proxy.url])
  })

  afterAll(async () => {
    await browser?.close()
    expect(await launcher?.stop()).toBe(0)
    await proxy?.stop()
    expect(await edge?.stop()).toBe(0)
  })

  it('the generated video plays and seeks from a plain HTTP server', async () => {
    const server = await startRangeFileServer(video.path, 'video/webm')
    const page = await browser.newPage()
    try {
      await page.goto(server.url)
      const started = await startVideo(page, server.fileUrl)
      expect(started.duration).toBeCloseTo(video.durationSeconds, 0)
      const target = started.duration * SEEK_AT
      const seeked = await seekVideo(page, target)
      expect(seeked.currentTime).toBeGreaterThanOrEqual(target)
      expect(seeked.error).toBeUndefined()
      // the seek was one range request near the end, not a read from the start
      const ranges = server.ranges()
      expect(ranges[0]).toBe('bytes=0-')
      expect(Number(/^bytes=(\d+)-/.exec(ranges[ranges.length - 1])?.[1])).toBeGreaterThan(video.bytes * 0.8)
    } finally {
      await page.close()
      await server.stop()
    }
  })

  it('through the service worker: playback starts, and a seek near the end fetches a small fraction of the file\'s blocks', async () => {
    const page = await browser.newPage()
    await openThroughServiceWorker(page, `${launcher.info.gateway}/`)
    const fileBlocks = Math.ceil(video.bytes / LEAF)
    const before = await counts(page, proxy)

    const started = await startVideo(page, `/ipfs/${cid}`)
    expect(started.duration).toBeCloseTo(video.durationSeconds, 0)
    expect(started.error).toBeUndefined()
    // paused, so what the browser buffers ahead comes to an end and can be counted
    await pauseVideo(page)
    const beforeSeek = await settled(page, proxy)

    const target = started.duration * SEEK_AT
    const seeked = await seekVideo(page, target)
    expect(seeked.currentTime).toBeGreaterThanOrEqual(target)
    expect(seeked.error).toBeUndefined()
    await pauseVideo(page)
    const after = await settled(page, proxy)

    const report = {
      fileBlocks,
      fileBytes: video.bytes,
      blocksBeforeSeek: beforeSeek.blocks - before.blocks,
      blocksForSeek: after.blocks - beforeSeek.blocks,
      blocksTotal: after.blocks - before.blocks,
      edgeBytesBeforeSeek: beforeSeek.edgeBytes - before.edgeBytes,
      edgeBytesForSeek: after.edgeBytes - beforeSeek.edgeBytes,
      edgeBytesTotal: after.edgeBytes - before.edgeBytes,
      edgeRequests: after.requests.slice(before.requests.length).map(r => `${decodeURIComponent(r.url.replace(/^.*entity-bytes=/, 'bytes '))}: ${r.bytes}${r.cancelled ? ' (cancelled)' : ''}`)
    }
    process.stderr.write(`video seek: ${JSON.stringify(report)}\n`)
    // the seek needs the Cluster it lands in and what plays after it, not the file up to there
    expect(report.blocksForSeek).toBeGreaterThan(0)
    expect(report.blocksForSeek).toBeLessThan(fileBlocks * 0.25)
    expect(report.edgeBytesForSeek).toBeLessThan(video.bytes * 0.25)
    // and the whole file was never downloaded first
    expect(report.blocksTotal).toBeLessThan(fileBlocks)
    expect(report.edgeBytesTotal).toBeLessThan(video.bytes)
    await page.close()
  })
})

interface Counts {
  /** Blocks from edges used by the SW's responses (its running total) */
  blocks: number
  /** Bytes the edge sent */
  edgeBytes: number
  requests: ProxiedRequest[]
}

async function counts (page: Page, proxy: SlowEdgeProxy): Promise<Counts> {
  const stats = await page.evaluate(async () => (await fetch('/_edgeway/stats')).json() as Promise<{ blocks: { edge: number } }>)
  const served = proxy.served()
  return { blocks: stats.blocks.edge, edgeBytes: served.bytes, requests: served.requests }
}

/** The counts once the edge has sent nothing for a second and a half (what is in flight has landed), within 30 s. */
async function settled (page: Page, proxy: SlowEdgeProxy): Promise<Counts> {
  let last = await counts(page, proxy)
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    await new Promise(resolve => setTimeout(resolve, 1500))
    const now = await counts(page, proxy)
    if (now.edgeBytes === last.edgeBytes && now.blocks === last.blocks) {
      return now
    }
    last = now
  }
  return last
}
