import { ensureChromium } from './chromium.ts'
import { ensureKubo } from './kubo.ts'
import type { TestProject } from 'vitest/node'

/**
 * Before any spec runs: find (or, on a fresh Debian machine, install)
 * Chromium, and build Kubo once into the cache outside the repository. A
 * machine without Go still passes: the Kubo specs skip and say why.
 */
export default async function setup (project: TestProject): Promise<void> {
  ensureChromium()
  let kubo
  try {
    kubo = await ensureKubo()
  } catch (err) {
    kubo = { skipped: `the Kubo build failed: ${(err as Error).message}` }
  }
  if ('skipped' in kubo) {
    process.stderr.write(`e2e: Kubo specs skip: ${kubo.skipped}\n`)
  }
  project.provide('kubo', kubo)
}
