import { randomFillSync, createHash } from 'node:crypto'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { openThroughServiceWorker } from '../../e2e/support/page-helpers.ts'
import { openPeerTab, providersOf, publishFromTab } from '../../e2e/support/peer-tabs.ts'
import { expectBody, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { throughputCheck } from '../support/checks.ts'
import { mibPerSecond, series, MiB } from '../support/stats.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/**
 * P5: one browser publishes a file, a fresh browser opens its link and reads
 * it whole through its SW, which gets every block from the first browser's
 * tab over WebRTC (no edge holds them); against a fresh browser reading a
 * file of the same size from the edge over libp2p WebSockets only (a gateway
 * given just the edge's multiaddr), bitswap in both cases.
 */
export const p5PeerThroughput: Measure = {
  id: 'P5',
  title: 'Tab-to-tab throughput over WebRTC vs edge over WebSocket',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const size = env.quick ? 2 * MiB : 16 * MiB
    const peers = await startPeerEnv(env, { name: 'p5', bytes: size })
    try {
      const { main, probe, root, files: edgeFiles } = peers
      const edge = main.info.edges[0]
      // the same edge, over WebSocket alone: its gateway knows no HTTP endpoint
      const wsOnly = await peers.launcher(['--edge', edge.multiaddrs[0]])
      const publisher = await openPeerTab(peers.browser, main.info.gateway)
      const fromPeer: number[] = []
      const fromEdge: number[] = []
      const sources: string[] = []
      await repeat(env, `P5 ${size / MiB} MiB`, async (run, recorded) => {
        const bytes = randomBytes(size)
        const { cid, path } = await publishFromTab(publisher, `p5-${run}.bin`, bytes)
        await waitFor(async () => (await providersOf(probe, edge.http!, cid)).includes(publisher.peerId), 30_000, `the edge to list the publisher for ${cid}`)
        const reader = await openPeerTab(peers.browser, main.info.gateway)
        const peerRead = await timedRead(reader.page, { url: path, sha256: true })
        await reader.context.close()
        expectBody(peerRead, { bytes: size, sha256: sha256(bytes) }, 'P5 tab to tab')
        const counts = parseSourceHeader(peerRead.headers['x-edgeway-source'] ?? null)
        if (counts == null || counts.edge > 0 || counts.peer === 0) {
          throw new Error(`P5: the tab-to-tab read was not from a peer alone: X-Edgeway-Source ${peerRead.headers['x-edgeway-source']}`)
        }
        sources.push(peerRead.headers['x-edgeway-source'])

        const context = await peers.browser.newContext()
        const page = await context.newPage()
        await openThroughServiceWorker(page, `${wsOnly.info.gateway}/`)
        const edgeRead = await timedRead(page, { url: `/ipfs/${root}/${edgeFiles[run].path}`, sha256: true })
        await context.close()
        expectBody(edgeRead, edgeFiles[run], 'P5 edge over WebSocket')
        if (recorded) {
          fromPeer.push(mibPerSecond(peerRead.bytes, peerRead.totalMs))
          fromEdge.push(mibPerSecond(edgeRead.bytes, edgeRead.totalMs))
        }
      }, { warmUp: !env.quick }) // a quick run only checks the harness: no warm-up
      const tabToTab = series('tab to tab (WebRTC)', 'MiB/s', fromPeer)
      const edgeWs = series('edge over WebSocket', 'MiB/s', fromEdge)
      return {
        id: 'P5',
        title: this.title,
        description: `A ${size / MiB} MiB file read whole through the SW of a fresh browser context: published by another context and fetched from its tab over WebRTC (set up through the edge's relay; no edge holds the blocks) vs a file of the same size from the edge over libp2p WebSockets only. Goal ≥ 0.5×.`,
        status: 'ok',
        series: [tabToTab, edgeWs],
        checks: [throughputCheck(tabToTab, edgeWs, 0.5)],
        extra: { tabToTabSource: sources }
      }
    } finally {
      await peers.stop()
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

function randomBytes (size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let offset = 0; offset < size; offset += 65536) {
    randomFillSync(bytes.subarray(offset, offset + 65536))
  }
  return bytes
}

function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
