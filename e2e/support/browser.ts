import { chromium } from 'playwright-core'
import { ensureChromium } from './chromium.ts'
import type { Browser } from 'playwright-core'

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'
]

export interface LaunchOptions {
  /** @default the system's Chromium (see chromium.ts) */
  executablePath?: string
  /** Flags beyond the quiet defaults */
  args?: string[]
}

/** Launches the e2e Chromium; one retry, since a launch after a heavy run has hung once here. */
export async function launchBrowser (options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? ensureChromium()
  const launch = async (): Promise<Browser> => chromium.launch({ executablePath, args: [...ARGS, ...(options.args ?? [])], timeout: 60_000 })
  try {
    return await launch()
  } catch {
    return launch()
  }
}
