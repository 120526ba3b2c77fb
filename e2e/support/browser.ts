import { chromium } from 'playwright-core'
import { ensureChromium } from './system-browsers.ts'
import type { Browser, BrowserContext } from 'playwright-core'

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'
]

export interface LaunchOptions {
  /** @default the system's Chromium (see system-browsers.ts) */
  executablePath?: string
  /** Flags beyond the quiet defaults */
  args?: string[]
}

/** Launches the e2e Chromium; one retry, since a launch after a heavy run has hung once here. */
export async function launchBrowser (options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? ensureChromium()
  return withRetry(async () => chromium.launch({ executablePath, args: [...ARGS, ...(options.args ?? [])], timeout: 60_000 }))
}

/**
 * A browser with a profile on disk (`userDataDir`): closing it and launching
 * again with the same folder is a browser restart, keeping the service worker
 * registrations, IndexedDB and caches.
 */
export async function launchPersistentBrowser (userDataDir: string): Promise<BrowserContext> {
  const executablePath = ensureChromium()
  return withRetry(async () => chromium.launchPersistentContext(userDataDir, { executablePath, args: ARGS, timeout: 60_000 }))
}

async function withRetry<T> (launch: () => Promise<T>): Promise<T> {
  try {
    return await launch()
  } catch {
    return launch()
  }
}
