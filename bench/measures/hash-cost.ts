import { inFreshContext, openBenchPage, repeat } from '../support/environment.ts'
import { MiB, mibPerSecond, series } from '../support/stats.ts'
import { throughputCheck } from '../support/checks.ts'
import type { BenchEnv, Measure } from '../support/environment.ts'
import type { MeasureResult } from '../types.ts'

const BLOCK = 256 * 1024

/**
 * Hash cost: Edgeway's block check against bare WebCrypto SHA-256 on the
 * same 256 KiB blocks in the same page. No goal is set; it shows what the
 * check itself costs next to the hash it cannot avoid.
 */
export const hashCost: Measure = {
  id: 'hash',
  title: 'Hash cost: block verification vs WebCrypto',
  async run (env: BenchEnv): Promise<MeasureResult> {
    const bytes = env.sizes.hashBytes
    return inFreshContext(env, async page => {
      await openBenchPage(env, page, 'hash')
      await page.evaluate(async ({ bytes, block }) => {
        await (globalThis as unknown as { edgewayBench: { prepare(bytes: number, block: number): Promise<void> } }).edgewayBench.prepare(bytes, block)
      }, { bytes, block: BLOCK })
      const runs = await repeat(env, `hash ${bytes / MiB} MiB`, async () => page.evaluate(async () =>
        (globalThis as unknown as { edgewayBench: { run(): Promise<{ edgewayMs: number, webCryptoMs: number }> } }).edgewayBench.run()))
      const edgeway = series('Edgeway block check', 'MiB/s', runs.map(run => mibPerSecond(bytes, run.edgewayMs)))
      const webCrypto = series('WebCrypto SHA-256', 'MiB/s', runs.map(run => mibPerSecond(bytes, run.webCryptoMs)))
      return {
        id: 'hash',
        title: this.title,
        description: `${bytes / MiB} MiB in 256 KiB blocks, each checked against its CID the way Edgeway checks every block (hashMatches), vs crypto.subtle.digest('SHA-256') on the same blocks, one after another, in the same page.`,
        status: 'ok',
        series: [edgeway, webCrypto],
        checks: [throughputCheck(edgeway, webCrypto)]
      }
    })
  }
}
