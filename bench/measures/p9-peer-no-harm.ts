import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import { openPeerTab, providersOf, publishFromTab } from '../../e2e/support/peer-tabs.ts'
import { writeRandomFile } from '../support/content.ts'
import { expectBody, swBytes, timedRead } from '../support/in-page.ts'
import { repeat } from '../support/environment.ts'
import { startPeerEnv } from '../support/peer-env.ts'
import { timeCheck } from '../support/checks.ts'
import { series, MiB } from '../support/stats.ts'
import type { FileFact } from '../support/content.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

/** A read with a browser holding the file may take at most this much of the same read without one */
const GOAL = 1.1
/** How long the edge may take to list the publishing browser */
const LISTED_MS = 30_000

/**
 * P9: peers never hurt. A fast (unthrottled) edge serves two files of the
 * same size; another browser context publishes one of them in its tab, so
 * the edge's routing lists that browser for it. A fresh browser context
 * (running a peer, so it considers other browsers at all) reads each whole,
 * cold, through its SW: the one a browser holds vs the one nobody announced.
 * The two take turns going first; each read is a fresh context.
 */
export const p9PeerNoHarm: Measure = {
  id: 'P9',
  title: 'A fast edge and a peer holding the file: no slower than the edge alone',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const size = env.quick ? 2 * MiB : 32 * MiB
    const dir = await mkdtemp(join(tmpdir(), 'edgeway-bench-p9-'))
    // the peer world (loopback-only namespace, WebRTC-ready Chromium); its own content is not read here
    const peers = await startPeerEnv(env, { name: 'p9-unused', bytes: 1024 })
    try {
      const held: FileFact[] = []
      const alone: FileFact[] = []
      for (let run = 0; run <= env.runs; run++) {
        held.push(await writeRandomFile(dir, `held-${run}.bin`, size))
        alone.push(await writeRandomFile(dir, `alone-${run}.bin`, size))
      }
      // every file its own root (a file's root is the file), so a browser that publishes the same bytes announces it
      const launcher = await peers.launcher([...held, ...alone].flatMap(file => ['--serve', join(dir, file.path)]))
      const edge = launcher.info.edges[0]
      const rootOf = (file: FileFact): string => launcher.info.roots[join(dir, file.path)]
      const publisher = await openPeerTab(peers.browser, launcher.info.gateway)
      const timings = { held: [] as number[], alone: [] as number[] }
      const sources: string[] = []
      /** Bytes each read with a browser holding the file used from the edge and from peers (the SW's counts) */
      const used: Array<{ edge: number, peer: number }> = []
      await repeat(env, `P9 ${size / MiB} MiB`, async (run, recorded) => {
        const { cid } = await publishFromTab(publisher, `held-${run}.bin`, new Uint8Array(await readFile(join(dir, held[run].path))))
        if (cid !== rootOf(held[run])) {
          throw new Error(`P9: the browser published ${cid}, the edge serves the same bytes as ${rootOf(held[run])}: the read would not be of a file both hold`)
        }
        await listed(async () => (await providersOf(peers.probe, edge.http!, cid)).includes(publisher.peerId), `the edge to list the publisher for ${cid}`)
        const reads = [['held', held[run]], ['alone', alone[run]]] as const
        // the two take turns going first: whatever the publishing tab still does after publishing weighs on both alike
        for (const [label, file] of run % 2 === 0 ? reads : [...reads].reverse()) {
          const reader = await openPeerTab(peers.browser, launcher.info.gateway)
          try {
            const before = await swBytes(reader.page)
            const read = await timedRead(reader.page, { url: `/ipfs/${rootOf(file)}`, sha256: true })
            expectBody(read, file, `P9 ${label}`)
            if (label === 'held') {
              const after = await swBytes(reader.page)
              used.push({ edge: after.edge - before.edge, peer: after.peer - before.peer })
              sources.push(read.headers['x-edgeway-source'] ?? '')
              if (parseSourceHeader(read.headers['x-edgeway-source'] ?? null) == null) {
                throw new Error(`P9: the read carries no X-Edgeway-Source (${read.headers['x-edgeway-source']})`)
              }
            }
            if (recorded) {
              timings[label].push(read.totalMs)
            }
          } finally {
            await reader.context.close()
          }
        }
      }, { warmUp: !env.quick })
      const withPeer = series('a browser holds it', 'ms', timings.held)
      const edgeAlone = series('no browser listed', 'ms', timings.alone)
      return {
        id: 'P9',
        title: this.title,
        description: `A ${size / MiB} MiB file read whole and cold through the SW of a fresh browser context (running a peer): a file the unthrottled edge serves and another browser context published in its tab (so the edge lists it) vs a file of the same size on the same edge that no browser announced. Goal ≤ ${GOAL}×.`,
        status: 'ok',
        series: [withPeer, edgeAlone],
        checks: [{ ...timeCheck(withPeer, edgeAlone, GOAL), label: 'with a peer vs without' }],
        extra: { heldSource: sources, heldBytes: used }
      }
    } finally {
      await peers.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function listed (condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + LISTED_MS
  while (!await condition()) {
    if (Date.now() > deadline) {
      throw new Error(`P9: timed out after ${LISTED_MS} ms waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}
