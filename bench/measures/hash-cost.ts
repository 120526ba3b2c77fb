import { inFreshContext, openBenchPage, repeat } from '../support/environment.ts'
import { MiB, mibPerSecond, series } from '../support/stats.ts'
import { throughputCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { Check, MeasureResult, Series } from '../types.ts'

/** UnixFS's default chunk, and the 1 MiB chunks of `--chunker=size-1048576` */
const BLOCK_SIZES = [256 * 1024, MiB]

interface HashRun { sha256CheckMs: number, blake3CheckMs: number, webCryptoMs: number }

/**
 * Hash cost: Edgeway's block check with sha2-256 and with blake3 against bare
 * WebCrypto SHA-256 on the same blocks in the same page, for 256 KiB and
 * 1 MiB blocks. No goal is set; it shows what the check itself costs next to
 * the hash it cannot avoid, and what blake3 content costs next to sha2-256.
 */
export const hashCost: Measure = {
  id: 'hash',
  title: 'Hash cost: block verification (sha2-256, blake3) vs WebCrypto',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const bytes = env.sizes.hashBytes
    return inFreshContext(env, async page => {
      await openBenchPage(env, page, 'hash')
      const allSeries: Series[] = []
      const checks: Check[] = []
      for (const block of BLOCK_SIZES) {
        await page.evaluate(async ({ bytes, block }) => {
          await (globalThis as unknown as { edgewayBench: { prepare(bytes: number, block: number): Promise<void> } }).edgewayBench.prepare(bytes, block)
        }, { bytes, block })
        const size = `${block / 1024} KiB`
        const runs = await repeat(env, `hash ${bytes / MiB} MiB in ${size} blocks`, async () => page.evaluate(async () =>
          (globalThis as unknown as { edgewayBench: { run(): Promise<HashRun> } }).edgewayBench.run()))
        const sha256Check = series(`sha2-256 block check, ${size}`, 'MiB/s', runs.map(run => mibPerSecond(bytes, run.sha256CheckMs)))
        const blake3Check = series(`blake3 block check, ${size}`, 'MiB/s', runs.map(run => mibPerSecond(bytes, run.blake3CheckMs)))
        const webCrypto = series(`WebCrypto SHA-256, ${size}`, 'MiB/s', runs.map(run => mibPerSecond(bytes, run.webCryptoMs)))
        allSeries.push(sha256Check, blake3Check, webCrypto)
        checks.push(throughputCheck(sha256Check, webCrypto), throughputCheck(blake3Check, sha256Check))
      }
      return {
        id: 'hash',
        title: this.title,
        description: `${bytes / MiB} MiB in 256 KiB and in 1 MiB blocks, each checked against its CID the way Edgeway checks every block (hashMatches), with sha2-256 CIDs and with blake3 CIDs, vs crypto.subtle.digest('SHA-256') on the same blocks, one after another, in the same page.`,
        status: 'ok',
        series: allSeries,
        checks
      }
    })
  }
}
