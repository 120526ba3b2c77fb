import { openPeerTab } from '../../e2e/support/peer-tabs.ts'
import { expectBody, swBytes, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { judge } from '../support/checks.ts'
import { median, round, series, MiB } from '../support/stats.ts'
import type { PeerTab } from '../../e2e/support/peer-tabs.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/** Contexts opening the same file, one after another, each staying open to serve the next (fewer in a quick run) */
const P6_CONTEXTS = 5
const P6_QUICK_CONTEXTS = 3
/** The edge's whole uplink, shared by all its clients (HTTP and WebSocket) */
const P6_EDGE_BYTES_PER_SECOND = 2 * MiB
/** The most the edge may send per byte the browsers used from it: cancelled streams are where the rest goes */
const P6_EDGE_SENT_PER_USED = 1.1

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
      const proxy = await peers.script<{ url: string }>('e2e/support/throttled-edge-proxy.ts', [
        '--edge', JSON.stringify(main.info.edges[0]), '--bytes-per-second', String(P6_EDGE_BYTES_PER_SECOND)
      ])
      // a gateway that reaches the edge only through its thin uplink
      const gateway = (await peers.launcher(['--edge', proxy.info.url])).info.gateway
      const edgeSent = async (): Promise<number> => probe.evaluate(async (url) => ((await (await fetch(url)).json()) as { bytes: number }).bytes, `${proxy.info.url}/_throttle/stats`)
      const shares: number[] = []
      const sentPerUsed: number[] = []
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
            record.sources.push(read.headers['x-edgeway-source'] ?? '')
          }
        } finally {
          await Promise.all(tabs.map(async tab => tab.context.close()))
        }
        record.edgeSent = await edgeSent() - sentBefore
        const used = sum(record.edgeBytes) + sum(record.peerBytes)
        if (recorded) {
          shares.push(used === 0 ? 0 : sum(record.peerBytes) / used)
          sentPerUsed.push(sum(record.edgeBytes) === 0 ? 0 : record.edgeSent / sum(record.edgeBytes))
          perRun.push(record)
        }
      }, { warmUp: !env.quick })
      const goal = round(0.9 * (contexts - 1) / contexts)
      const megabytes = (runs: number[]): number[] => runs.map(bytes => bytes / 1e6)
      return {
        id: 'P6',
        title: this.title,
        description: `${contexts} browser contexts open the same ${size / MiB} MiB file one after another (each stays open, has opted in to share what it viewed, and serves the next) while the edge's uplink is limited to ${P6_EDGE_BYTES_PER_SECOND / MiB} MiB/s for all its clients together (HTTP and WebSocket). The share of bytes the contexts' SWs used from peers rather than the edge (goal ≥ 0.9·(N−1)/N = ${goal}), and the bytes the edge sent per byte the SWs used from it (goal ≤ ${P6_EDGE_SENT_PER_USED}).`,
        status: 'ok',
        series: [
          series('from peers', 'MB', megabytes(perRun.map(record => sum(record.peerBytes)))),
          series('from the edge', 'MB', megabytes(perRun.map(record => sum(record.edgeBytes)))),
          series('sent by the edge', 'MB', megabytes(perRun.map(record => record.edgeSent)))
        ],
        checks: [
          judge({ label: 'bytes from peers', unit: '×', value: round(median(shares)), goal, op: '>=', formula: 'median over runs of peer bytes / (peer + edge bytes), summed over the contexts' }),
          judge({ label: 'edge sent per byte used', unit: '×', value: round(median(sentPerUsed)), goal: P6_EDGE_SENT_PER_USED, op: '<=', formula: 'median over runs of bytes the edge sent (its throttle counts them) / bytes the contexts\' SWs used from it' })
        ],
        extra: { shares: shares.map(round), sentPerUsed: sentPerUsed.map(round), runs: perRun }
      }
    } finally {
      await peers.stop()
    }
  }
}

function sum (values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
