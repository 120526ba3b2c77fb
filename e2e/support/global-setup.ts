import { ensureChromium, ensureFirefox } from './system-browsers.ts'
import { ensureKubo } from './kubo.ts'
import type { TestProject } from 'vitest/node'

/**
 * Before any spec runs: find (or, on a fresh Debian machine, install)
 * Chromium and Firefox ESR, and build Kubo once into the cache outside the repository. A
 * machine without Go still passes: the Kubo specs skip and say why
 * (as they do with EDGEWAY_SKIP_KUBO=1, which saves the first build).
 */
export default async function setup (project: TestProject): Promise<void> {
  ensureChromium()
  ensureFirefox()
  let kubo
  if (process.env.EDGEWAY_SKIP_KUBO != null && process.env.EDGEWAY_SKIP_KUBO !== '') {
    kubo = { skipped: 'EDGEWAY_SKIP_KUBO is set' }
  } else {
    try {
      kubo = await ensureKubo()
    } catch (err) {
      kubo = { skipped: `the Kubo build failed: ${(err as Error).message}` }
    }
  }
  if ('skipped' in kubo) {
    process.stderr.write(`e2e: Kubo specs skip: ${kubo.skipped}\n`)
  }
  project.provide('kubo', kubo)
}
