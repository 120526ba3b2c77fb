import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { announceForged, forgedAnnouncements } from '../../e2e/support/forged-providers.ts'
import { openPeerTab } from '../../e2e/support/peer-tabs.ts'
import { writeRandomFile } from '../support/content.ts'
import { expectBody, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { timeCheck } from '../support/checks.ts'
import { series, MiB } from '../support/stats.ts'
import type { FileFact } from '../support/content.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/** Forged browser records announced for each file read "with forged records": finding 3's hundred */
const FORGED_RECORDS = 100
/**
 * Silent peers announcing each "silent" file: real connections, which an edge
 * accepts only a few a second from one address, so fewer than the forged ones
 */
const SILENT_PEERS = 20
/** Issue 12, deliverable 3: a forged record costs at most this much of a cold read */
const GOAL = 1.2

/**
 * forged: a cold read through the SW of a browser that runs a peer (so it
 * considers peers first at all), of a file nobody announced vs a file of the
 * same size for which 100 forged browser records were announced (throw-away
 * Ed25519 keys, signed correctly, addresses that look like relay addresses
 * through the edge) vs one announced by 20 silent peers: real libp2p nodes
 * connected to the edge (so an edge that lists only connected peers lists
 * them) that never deliver a block. Each file is its own root, served by one
 * edge; each read is a fresh browser context; the three take turns.
 */
export const forgedProviders: Measure = {
  id: 'forged',
  title: 'Cold read with forged provider records',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const size = env.quick ? 2 * MiB : 32 * MiB
    const dir = await mkdtemp(join(tmpdir(), 'edgeway-bench-forged-'))
    // the peer world (loopback-only namespace, WebRTC-ready Chromium); its own content is not read here
    const peers = await startPeerEnv(env, { name: 'forged-unused', bytes: 1024 })
    try {
      const plain: FileFact[] = []
      const forged: FileFact[] = []
      const silent: FileFact[] = []
      for (let run = 0; run <= env.runs; run++) {
        plain.push(await writeRandomFile(dir, `plain-${run}.bin`, size))
        forged.push(await writeRandomFile(dir, `forged-${run}.bin`, size))
        silent.push(await writeRandomFile(dir, `silent-${run}.bin`, size))
      }
      // every file its own root, so the records forged for one never touch another
      const launcher = await peers.launcher([...plain, ...forged, ...silent].flatMap(file => ['--serve', join(dir, file.path)]))
      const edge = launcher.info.edges[0]
      const rootOf = (file: FileFact): string => launcher.info.roots[join(dir, file.path)]
      const probe = await peers.browser.newPage()
      await probe.goto(`${edge.http!}/info`)
      const accepted: number[] = []
      const listedSilent: number[] = []
      const timings = { plain: [] as number[], forged: [] as number[], silent: [] as number[] }
      const peersFirst: string[] = []
      await repeat(env, `forged ${size / MiB} MiB`, async (run, recorded) => {
        const announced = await announceForged(probe, edge.http!, (await forgedAnnouncements(edge, [rootOf(forged[run])], FORGED_RECORDS)).body)
        accepted.push(announced.status)
        const silentPeers = await peers.script<{ listed: number }>('e2e/support/silent-peers.ts', ['--edge', JSON.stringify(edge), '--cid', rootOf(silent[run]), '--count', String(SILENT_PEERS)])
        listedSilent.push(silentPeers.info.listed)
        for (const [label, file] of [['plain', plain[run]], ['forged', forged[run]], ['silent', silent[run]]] as const) {
          const tab = await openPeerTab(peers.browser, launcher.info.gateway)
          try {
            const read = await timedRead(tab.page, { url: `/ipfs/${rootOf(file)}`, sha256: true })
            expectBody(read, file, `forged: ${label}`)
            if (read.headers['server-timing']?.includes('peers first') === true) {
              peersFirst.push(`${label} run ${run}`)
            }
            if (recorded) {
              timings[label].push(read.totalMs)
            }
          } finally {
            await tab.context.close()
          }
        }
        await silentPeers.stop()
      }, { warmUp: !env.quick })
      const none = series('no provider records', 'ms', timings.plain)
      const withForged = series(`${FORGED_RECORDS} forged records`, 'ms', timings.forged)
      const withSilent = series(`${SILENT_PEERS} silent connected peers`, 'ms', timings.silent)
      return {
        id: 'forged',
        title: this.title,
        description: `A ${size / MiB} MiB file read whole and cold through the SW of a fresh browser context that runs a peer (the gateway page open): a file no one announced vs a file for which ${FORGED_RECORDS} forged browser records (throw-away keys, signed, relay-looking addresses through the edge) were announced to the edge vs one announced by ${SILENT_PEERS} real nodes connected to the edge that never deliver. Goal ≤ ${GOAL}×.`,
        status: 'ok',
        series: [withForged, withSilent, none],
        checks: [{ ...timeCheck(withForged, none, GOAL), label: 'forged records vs none' }, { ...timeCheck(withSilent, none, GOAL), label: 'silent peers vs none' }],
        extra: { announcementStatus: accepted, silentPeersListed: listedSilent, peersFirst }
      }
    } finally {
      await peers.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
