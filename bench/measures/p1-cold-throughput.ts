import { expectBody, timedRead } from '../support/in-page.ts'
import { inFreshContext, openBenchPage, openGateway, repeat } from '../support/environment.ts'
import { mibPerSecond, series, MiB } from '../support/stats.ts'
import { throughputCheck } from '../support/checks.ts'
import { startKuboEdge } from '../support/kubo-edge.ts'
import { BLOCK_BYTES, expectLimitRejectsTampered, keepInLimitMemory, limitUrl, openLimit } from '../support/limit-server.ts'
import type { FileFact } from '../support/content.ts'
import type { TimedRead } from '../support/in-page.ts'
import type { KuboEdge } from '../support/kubo-edge.ts'
import type { LimitSource } from '../support/limit-server.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult, Timeline } from '../types.ts'

/**
 * P1: a large file, cold, read whole by a page: through Edgeway's SW (verified,
 * empty store), by plain HTTP from the static server (unverified), and by
 * vanilla verified-fetch in a page against the same edge, and by Edgeway's
 * SDK in a page (the lean path), as a dApp without a SW reads it; and
 * through Edgeway's SW with a Kubo daemon holding the same file as its only
 * edge (where Go is there to build Kubo). The limit: a minimal SW on its own
 * origin fetching the same file from a plain server on that origin and
 * answering it in Edgeway's blocks, with no work and with one SHA-256 per
 * block. The goal is judged against the fetched limit because a cold read
 * cannot have the bytes yet: taking them off the network inside a SW is a
 * cost every cold verifying SW pays (the in-memory limit with SHA-256, the
 * ceiling of any JavaScript-bodied SW, is reported beside it). Each run is
 * a fresh browser context; the paths take turns so drift hits them alike.
 */
export const p1ColdThroughput: Measure = {
  id: 'P1',
  title: 'Cold throughput',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const file = env.content.large
    const kubo = await startKuboEdge(env, file)
    try {
      return await measure(env, file, kubo)
    } finally {
      if (!('skipped' in kubo)) {
        await kubo.stop()
      }
    }
  }
}

async function measure (env: BenchEnv, file: FileFact, kubo: KuboEdge | { skipped: string }): Promise<MeasureResult> {
  const paths: Array<{ label: string, read(run: number): Promise<TimedRead> }> = [
    {
      label: 'Edgeway SW',
      read: async (run) => inFreshContext(env, async page => {
        await openGateway(env, page)
        return timedRead(page, { url: `/ipfs/${env.root}/${file.path}`, sha256: run === 0 })
      })
    },
    {
      label: 'plain HTTP',
      read: async (run) => inFreshContext(env, async page => {
        await page.goto(`${env.plain}/blank.html`)
        return timedRead(page, { url: `/files/${file.path}`, sha256: run === 0 })
      })
    },
    {
      label: 'vanilla verified-fetch',
      read: async (run) => inFreshContext(env, async page => {
        await openBenchPage(env, page, 'vanilla')
        return timedRead(page, { url: `ipfs://${env.root}/${file.path}`, via: 'bench', sha256: run === 0 })
      })
    },
    {
      label: SDK,
      read: async (run) => inFreshContext(env, async page => {
        await openBenchPage(env, page, 'sdk')
        return timedRead(page, { url: `ipfs://${env.root}/${file.path}`, via: 'bench', sha256: run === 0 })
      })
    },
    ...LIMITS.map(({ label, source, sha256 }) => ({
      label,
      read: async (run: number) => inFreshContext(env, async page => {
        await openLimit(env.limit, page)
        if (run === 0 && sha256 && source === 'network') {
          await expectLimitRejectsTampered(page, file.path)
        }
        if (source === 'memory') {
          await keepInLimitMemory(page, file.path)
        }
        return timedRead(page, { url: limitUrl(source, sha256, file.path), sha256: run === 0 })
      })
    })),
    ...('skipped' in kubo
      ? []
      : [{
          label: VIA_KUBO,
          read: async (run: number) => inFreshContext(env, async page => {
            await openGateway(env, page, kubo)
            return timedRead(page, { url: `/ipfs/${kubo.root}/${file.path}`, sha256: run === 0 })
          })
        }])
  ]
  const reads = new Map<string, TimedRead[]>(paths.map(path => [path.label, []]))
  const sources: string[] = []
  await repeat(env, `P1 ${file.bytes / MiB} MiB`, async (run, recorded) => {
    for (const path of paths) {
      const read = await path.read(run)
      expectBody(read, file, `P1 ${path.label}`)
      if (recorded) {
        reads.get(path.label)!.push(read)
      }
      if (path.label === 'Edgeway SW' || path.label === VIA_KUBO) {
        sources.push(`${path.label}: ${read.headers['x-edgeway-source'] ?? ''}`)
      }
    }
  })
  const all = paths.map(path => series(path.label, 'MiB/s', reads.get(path.label)!.map(read => mibPerSecond(read.bytes, read.totalMs))))
  const [edgeway, plain, vanilla, sdk, limitNone, limitSha256, limitInMemory, viaKubo] = all
  return {
    id: 'P1',
    title: p1ColdThroughput.title,
    description: `A ${file.bytes / MiB} MiB file read whole by a page in a fresh browser context: through Edgeway's SW (installed and started, verified, empty store) vs plain HTTP from a static server on loopback (unverified) vs vanilla @helia/verified-fetch in a page against the same edge vs Edgeway's SDK in a page (createEdgeClient: the lean path) against the same edge vs the limit: a minimal SW on its own origin fetching the file from a plain server and answering it in Edgeway's ${BLOCK_BYTES / 1024} KiB blocks, with no work and with one SHA-256 per block, and answering from bytes it already holds in memory with one SHA-256 per block (untimed loading); and through Edgeway's SW with a Kubo daemon (the same file, the same blocks) as its only edge.`,
    status: 'ok',
    ...('skipped' in kubo ? { note: `Edgeway via Kubo skipped: ${kubo.skipped}` } : {}),
    series: all,
    checks: [
      throughputCheck(edgeway, plain, 0.9),
      throughputCheck(edgeway, vanilla, 1.5),
      throughputCheck(edgeway, limitSha256, 0.8),
      throughputCheck(edgeway, limitNone),
      throughputCheck(edgeway, limitInMemory),
      { ...throughputCheck(limitSha256, plain), label: 'hashing limit vs plain HTTP' },
      // the SDK in a page (the lean path) against the same work done by vanilla verified-fetch in a page
      ...[throughputCheck(sdk, vanilla), throughputCheck(sdk, plain)].map(check => ({ ...check, label: `SDK in page ${check.label}` })),
      ...(viaKubo == null ? [] : [throughputCheck(viaKubo, plain), throughputCheck(viaKubo, vanilla), throughputCheck(viaKubo, edgeway)].map(check => ({ ...check, label: `via Kubo ${check.label}` })))
    ],
    timelines: paths.map(path => medianTimeline(path.label, reads.get(path.label)!)),
    extra: {
      firstByteMs: Object.fromEntries(paths.map(path => [path.label, reads.get(path.label)!.map(read => Math.round(read.firstByteMs))])),
      edgewaySource: sources,
      ...('skipped' in kubo ? {} : { kuboFileCid: kubo.fileCid })
    }
  }
}

const VIA_KUBO = 'Edgeway SW via Kubo'
const SDK = 'Edgeway SDK in page'
/**
 * The cold limit is the fetched one (the goal is judged against it with
 * SHA-256); the in-memory one with SHA-256 is the ceiling of any
 * JavaScript-bodied verifying SW, reported beside it without a goal.
 */
const LIMITS: Array<{ label: string, source: LimitSource, sha256: boolean }> = [
  { label: 'SW limit, fetched', source: 'network', sha256: false },
  { label: 'SW limit, fetched+SHA-256', source: 'network', sha256: true },
  { label: 'SW limit, in memory+SHA-256', source: 'memory', sha256: true }
]

/** The run whose total time is the median, as the representative curve. */
function medianTimeline (label: string, reads: TimedRead[]): Timeline {
  const sorted = [...reads].sort((a, b) => a.totalMs - b.totalMs)
  return { label, points: sorted[Math.floor((sorted.length - 1) / 2)].points }
}
