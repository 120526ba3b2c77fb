import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { openThroughServiceWorker } from '../../e2e/support/page-helpers.ts'
import { openPeerTab, providersOf, publishFromTab } from '../../e2e/support/peer-tabs.ts'
import { expectBody, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { writeRandomFile } from '../support/content.ts'
import { judge, throughputCheck } from '../support/checks.ts'
import { median, mibPerSecond, round, series, MiB } from '../support/stats.ts'
import type { PeerTab } from '../../e2e/support/peer-tabs.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { FileFact } from '../support/content.ts'
import type { MeasureResult } from '../types.ts'
import type { Page } from 'playwright-core'

/**
 * P5: one browser publishes a file, a fresh browser opens its link and reads
 * it whole through its SW, which streams it from the first browser's tab as
 * CAR ranges over WebRTC (`/edgeway/car/1.0.0`; no edge holds the blocks);
 * against a fresh browser reading the same bytes through its SW from an edge
 * that serves them, over HTTP (the trustless gateway's CAR path users get).
 */
export const p5PeerThroughput: Measure = {
  id: 'P5',
  title: 'Tab-to-tab throughput over WebRTC vs the edge over HTTP',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const size = env.quick ? 2 * MiB : 32 * MiB
    const peers = await startPeerEnv(env, { name: 'p5', bytes: size })
    const sameDir = await mkdtemp(join(tmpdir(), 'edgeway-bench-p5-same-'))
    try {
      const { main, probe } = peers
      const edge = main.info.edges[0]
      // the bytes the publisher will publish, served by an edge of their own: the relay and routing edge never holds them
      await mkdir(join(sameDir, 'p5'))
      const same: FileFact[] = []
      for (let run = 0; run <= env.runs; run++) {
        same.push(await writeRandomFile(sameDir, `p5/${run}.bin`, size))
      }
      const holder = await peers.launcher(['--serve', sameDir])
      const holderRoot = holder.info.roots[sameDir]
      const publisher = await openPeerTab(peers.browser, main.info.gateway)
      const fromPeer: number[] = []
      const fromEdge: number[] = []
      const sources: string[] = []
      await repeat(env, `P5 ${size / MiB} MiB`, async (run, recorded) => {
        const file = same[run]
        const bytes = await readFile(join(sameDir, file.path))
        const { cid, path } = await publishFromTab(publisher, `p5-${run}.bin`, bytes)
        await waitFor(async () => (await providersOf(probe, edge.http!, cid)).includes(publisher.peerId), 30_000, `the edge to list the publisher for ${cid}`)
        const reader = await openPeerTab(peers.browser, main.info.gateway)
        const peerRead = await timedRead(reader.page, { url: path, sha256: true })
        const used = await swBytes(reader.page)
        await reader.context.close()
        expectBody(peerRead, file, 'P5 tab to tab')
        const counts = parseSourceHeader(peerRead.headers['x-edgeway-source'] ?? null)
        if (counts == null || counts.peer === 0 || used.edge > 0) {
          throw new Error(`P5: the tab-to-tab read was not from a peer alone: X-Edgeway-Source ${peerRead.headers['x-edgeway-source']}, ${used.edge} bytes from edges`)
        }
        sources.push(`${peerRead.headers['x-edgeway-source']}${peerRead.headers['server-timing']?.includes('peers first') === true ? ' (peers first)' : ''}`)

        const context = await peers.browser.newContext()
        const page = await context.newPage()
        await openThroughServiceWorker(page, `${holder.info.gateway}/`)
        const edgeRead = await timedRead(page, { url: `/ipfs/${holderRoot}/${file.path}`, sha256: true })
        await context.close()
        expectBody(edgeRead, file, 'P5 edge over HTTP')
        if (recorded) {
          fromPeer.push(mibPerSecond(peerRead.bytes, peerRead.totalMs))
          fromEdge.push(mibPerSecond(edgeRead.bytes, edgeRead.totalMs))
        }
      }, { warmUp: !env.quick }) // a quick run only checks the harness: no warm-up
      const tabToTab = series('tab to tab (WebRTC, CAR ranges)', 'MiB/s', fromPeer)
      const edgeHttp = series('edge over HTTP (CAR)', 'MiB/s', fromEdge)
      return {
        id: 'P5',
        title: this.title,
        description: `A ${size / MiB} MiB file read whole through the SW of a fresh browser context: published by another context and streamed from its tab as CAR ranges over WebRTC (/edgeway/car/1.0.0, set up through the edge's relay; no edge holds the blocks) vs the same bytes from an edge that serves them, over HTTP (its trustless gateway's CARs), in another fresh context. Goal ≥ 0.5×.`,
        status: 'ok',
        series: [tabToTab, edgeHttp],
        checks: [throughputCheck(tabToTab, edgeHttp, 0.5)],
        extra: { tabToTabSource: sources }
      }
    } finally {
      await peers.stop()
      await rm(sameDir, { recursive: true, force: true })
    }
  }
}

/** Contexts opening the same file, one after another, each staying open to serve the next (fewer in a quick run) */
const P6_CONTEXTS = 5
const P6_QUICK_CONTEXTS = 3
/** The edge's whole uplink, shared by all its clients (HTTP and WebSocket) */
const P6_EDGE_BYTES_PER_SECOND = 2 * MiB

interface StatsBytes { cache: number, edge: number, peer: number }

/**
 * P6: five browsers open the same file one after another, each staying open
 * and sharing what it viewed (an opt-in: by default a browser shares only what
 * its user published or pinned); the edge's uplink is limited. Counted in each browser's SW: bytes it used
 * from the edge and from peers (other browsers' tabs over WebRTC). The ideal
 * is (N−1)/N from peers: only the first browser needs the edge.
 */
export const p6PeerOffload: Measure = {
  id: 'P6',
  title: 'Offload: share of bytes served by peers',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const size = env.quick ? 2 * MiB : 20 * MiB
    const contexts = env.quick ? P6_QUICK_CONTEXTS : P6_CONTEXTS
    const peers = await startPeerEnv(env, { name: 'p6', bytes: size })
    try {
      const { main, probe, root, files } = peers
      const proxy = await peers.script<{ url: string }>('bench/support/throttled-edge-proxy.ts', [
        '--edge', JSON.stringify(main.info.edges[0]), '--bytes-per-second', String(P6_EDGE_BYTES_PER_SECOND)
      ])
      // a gateway that reaches the edge only through its thin uplink
      const gateway = (await peers.launcher(['--edge', proxy.info.url])).info.gateway
      const edgeSent = async (): Promise<number> => probe.evaluate(async (url) => ((await (await fetch(url)).json()) as { bytes: number }).bytes, `${proxy.info.url}/_throttle/stats`)
      const shares: number[] = []
      const perRun: Array<{ edgeBytes: number[], peerBytes: number[], seconds: number[], sources: string[], edgeSent: number }> = []
      await repeat(env, `P6 ${contexts} × ${size / MiB} MiB`, async (run, recorded) => {
        const file = files[run]
        const tabs: PeerTab[] = []
        const sentBefore = await edgeSent()
        const record = { edgeBytes: [] as number[], peerBytes: [] as number[], seconds: [] as number[], sources: [] as string[], edgeSent: 0 }
        try {
          for (let i = 0; i < contexts; i++) {
            // the scenario is browsers serving each other what they viewed: each opts in, as a user would have to
            const tab = await openPeerTab(peers.browser, gateway, { shareViewed: true })
            tabs.push(tab)
            const before = await swBytes(tab.page)
            const read = await timedRead(tab.page, { url: `/ipfs/${root}/${file.path}`, sha256: true })
            expectBody(read, file, `P6 context ${i + 1}`)
            const after = await swBytes(tab.page)
            record.edgeBytes.push(after.edge - before.edge)
            record.peerBytes.push(after.peer - before.peer)
            record.seconds.push(round(read.totalMs / 1000))
            record.sources.push(`${read.headers['x-edgeway-source'] ?? ''}${read.headers['server-timing']?.includes('peers first') === true ? ' (peers first)' : ''}`)
          }
        } finally {
          await Promise.all(tabs.map(async tab => tab.context.close()))
        }
        record.edgeSent = await edgeSent() - sentBefore
        const used = sum(record.edgeBytes) + sum(record.peerBytes)
        if (recorded) {
          shares.push(used === 0 ? 0 : sum(record.peerBytes) / used)
          perRun.push(record)
        }
      }, { warmUp: !env.quick })
      const goal = round(0.9 * (contexts - 1) / contexts)
      const megabytes = (runs: number[]): number[] => runs.map(bytes => bytes / 1e6)
      return {
        id: 'P6',
        title: this.title,
        description: `${contexts} browser contexts open the same ${size / MiB} MiB file one after another (each stays open, has opted in to share what it viewed, and serves the next) while the edge's uplink is limited to ${P6_EDGE_BYTES_PER_SECOND / MiB} MiB/s for all its clients together (HTTP and WebSocket). The share of bytes the contexts' SWs used from peers rather than the edge. Goal ≥ 0.9·(N−1)/N = ${goal}.`,
        status: 'ok',
        series: [
          series('from peers', 'MB', megabytes(perRun.map(record => sum(record.peerBytes)))),
          series('from the edge', 'MB', megabytes(perRun.map(record => sum(record.edgeBytes)))),
          series('sent by the edge', 'MB', megabytes(perRun.map(record => record.edgeSent)))
        ],
        checks: [judge({ label: 'bytes from peers', unit: '×', value: round(median(shares)), goal, op: '>=', formula: 'median over runs of peer bytes / (peer + edge bytes), summed over the contexts' })],
        extra: { shares: shares.map(round), runs: perRun }
      }
    } finally {
      await peers.stop()
    }
  }
}

/** What the page's SW has used, by source, since it started */
async function swBytes (page: Page): Promise<StatsBytes> {
  return page.evaluate(async () => ((await (await fetch('/_edgeway/stats', { cache: 'no-store' })).json()) as { bytes: StatsBytes }).bytes)
}

async function waitFor (condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!await condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

function sum (values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
