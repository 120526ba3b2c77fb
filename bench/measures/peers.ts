import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { openThroughServiceWorker } from '../../e2e/support/page-helpers.ts'
import { openPeerTab, providersOf, publishFromTab } from '../../e2e/support/peer-tabs.ts'
import { expectBody, swBytes, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { PAGES_DIR, bareChannelLimit, webrtcLimit } from '../support/webrtc-limit.ts'
import { writeRandomFile } from '../support/content.ts'
import { throughputCheck } from '../support/checks.ts'
import { mibPerSecond, series, MiB } from '../support/stats.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { FileFact } from '../support/content.ts'
import type { MeasureResult } from '../types.ts'

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
      const pages = await peers.script<{ url: string }>('bench/support/pages-server.ts', [PAGES_DIR])
      const fromPeer: number[] = []
      const fromEdge: number[] = []
      const libp2pLimit: number[] = []
      const rawLimit: number[] = []
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
        sources.push(peerRead.headers['x-edgeway-source'] ?? '')

        const context = await peers.browser.newContext()
        const page = await context.newPage()
        await openThroughServiceWorker(page, `${holder.info.gateway}/`)
        const edgeRead = await timedRead(page, { url: `/ipfs/${holderRoot}/${file.path}`, sha256: true })
        await context.close()
        expectBody(edgeRead, file, 'P5 edge over HTTP')

        // the medium's own limit, between two more fresh contexts: the same libp2p WebRTC set-up with no store,
        // hashing or SW, and a bare RTCDataChannel
        const overLibp2p = await webrtcLimit(peers.browser, pages.info.url, edge.multiaddrs[0], size)
        const bare = await bareChannelLimit(peers.browser, pages.info.url, size)
        if (recorded) {
          fromPeer.push(mibPerSecond(peerRead.bytes, peerRead.totalMs))
          fromEdge.push(mibPerSecond(edgeRead.bytes, edgeRead.totalMs))
          // the dial counts, as it does in the tab-to-tab read
          libp2pLimit.push(mibPerSecond(overLibp2p.bytes, overLibp2p.dialMs + overLibp2p.transferMs))
          rawLimit.push(mibPerSecond(bare.bytes, bare.transferMs))
        }
      }, { warmUp: !env.quick }) // a quick run only checks the harness: no warm-up
      const tabToTab = series('tab to tab (WebRTC, CAR ranges)', 'MiB/s', fromPeer)
      const edgeHttp = series('edge over HTTP (CAR)', 'MiB/s', fromEdge)
      const libp2pCeiling = series('WebRTC limit: a libp2p stream, dial included, no store', 'MiB/s', libp2pLimit)
      const rawCeiling = series('WebRTC limit: a bare RTCDataChannel, once open', 'MiB/s', rawLimit)
      return {
        id: 'P5',
        title: this.title,
        description: `A ${size / MiB} MiB file read whole through the SW of a fresh browser context: published by another context and streamed from its tab as CAR ranges over WebRTC (/edgeway/car/1.0.0, set up through the edge's relay; no edge holds the blocks) vs the same bytes from an edge that serves them, over HTTP (its trustless gateway's CARs), in another fresh context. Beside them, what WebRTC itself carries between two more fresh contexts: ${size / MiB} MiB of random bytes over a libp2p WebRTC stream set up the same way (the tab peer's transports and data channel settings, through the edge's relay, dial included) with no store, hashing or SW, and over a bare RTCDataChannel (no libp2p; timed from its first message). Goal ≥ 0.5×.`,
        status: 'ok',
        series: [tabToTab, edgeHttp, libp2pCeiling, rawCeiling],
        checks: [
          throughputCheck(tabToTab, edgeHttp, 0.5),
          throughputCheck(tabToTab, libp2pCeiling),
          { ...throughputCheck(rawCeiling, edgeHttp), label: 'bare RTCDataChannel vs edge over HTTP' }
        ],
        extra: { tabToTabSource: sources }
      }
    } finally {
      await peers.stop()
      await rm(sameDir, { recursive: true, force: true })
    }
  }
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
