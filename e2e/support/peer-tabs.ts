import { expect } from 'vitest'
import { launchBrowser } from './browser.ts'
import { loopbackNamespace } from './loopback-netns.ts'
import { spawnLauncher } from './processes.ts'
import type { LoopbackNamespace } from './loopback-netns.ts'
import type { LauncherInfo, Running } from './processes.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

/** A gateway with its embedded edge and a browser whose contexts talk WebRTC, in a loopback-only namespace when allowed. */
export interface PeerWorld {
  netns?: LoopbackNamespace
  launcher: Running<LauncherInfo>
  browser: Browser
  /** The edge's HTTP: its trustless gateway and delegated routing */
  edgeHttp: string
  /** A page on the edge's own origin, where no service worker answers for the edge: where routing is asked */
  probe: Page
  /** Closes the browser, checks the launcher exits cleanly, leaves the namespace */
  stop(): Promise<void>
}

/**
 * Starts `npm start -- args` and Chromium with --allow-loopback-in-peer-connection,
 * both inside a loopback-only network namespace when the tests may make one.
 */
export async function startPeerWorld (args: string[]): Promise<PeerWorld> {
  const netns = await loopbackNamespace()
  const launcher = await spawnLauncher(args, { prefix: netns?.prefix })
  const edgeHttp = launcher.info.edges[0].http!
  const browser = await launchBrowser({ executablePath: netns?.chromium, args: ['--allow-loopback-in-peer-connection'] })
  const probe = await browser.newPage()
  await probe.goto(`${edgeHttp}/info`)
  return {
    netns,
    launcher,
    browser,
    edgeHttp,
    probe,
    async stop () {
      await browser.close()
      expect(await launcher.stop()).toBe(0)
      await netns?.stop()
    }
  }
}

/** A browser (a context of its own: storage, SW, peer) with the gateway page open, so its tab runs a peer. */
export interface PeerTab {
  context: BrowserContext
  page: Page
  peerId: string
  /** The page's console lines, when `logs` named debug namespaces to print */
  logs: string[]
}

export interface OpenPeerTabOptions {
  /**
   * Tick "Also share what I view" (off by default, as for a user): for
   * scenarios about browsers serving each other what they viewed
   *
   * @default false
   */
  shareViewed?: boolean
  /** Debug namespaces the tab prints (`edgeway:peer:car-server`), collected in `logs` */
  logs?: string
}

/**
 * Opens the gateway page in a new context and waits until its tab's peer
 * holds a relay slot on an edge (other browsers can reach it). WebRTC needs
 * camera/microphone permission (else Chromium gathers no ICE candidates) and
 * the browser launched with --allow-loopback-in-peer-connection.
 */
export async function openPeerTab (browser: Browser, gateway: string, { shareViewed = false, logs }: OpenPeerTabOptions = {}): Promise<PeerTab> {
  const context = await browser.newContext()
  await context.grantPermissions(['camera', 'microphone'], { origin: gateway })
  const lines: string[] = []
  if (logs != null) {
    await context.addInitScript((namespaces) => { localStorage.setItem('debug', namespaces) }, logs)
  }
  const page = await context.newPage()
  if (logs != null) {
    page.on('console', message => { lines.push(message.text()) })
  }
  await page.goto(`${gateway}/`)
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 60_000 })
  await page.locator('[data-testid="peer-status"][data-reachable="true"]').waitFor({ timeout: 60_000 })
  const tab = { context, page, peerId: (await page.getByTestId('peer-status').getAttribute('data-peer-id'))!, logs: lines }
  if (shareViewed) {
    await setShareViewed(tab, true)
  }
  return tab
}

/** Switches "Also share what I view" on the page; resolves once the peer acts on it (records listed or withdrawn). */
export async function setShareViewed (tab: PeerTab, on: boolean): Promise<void> {
  await tab.page.getByTestId('peer-share-viewed-toggle').setChecked(on)
  await tab.page.locator(`[data-testid="peer-status"][data-share-viewed="${String(on)}"]`).waitFor({ timeout: 30_000 })
}

/** Publishes a file from the tab's `publish-input`; resolves to its CID and gateway path. */
export async function publishFromTab (tab: PeerTab, name: string, bytes: Uint8Array): Promise<{ cid: string, path: string }> {
  await tab.page.getByTestId('publish-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) })
  const link = tab.page.getByTestId('published-cid').getByRole('link')
  await link.waitFor({ timeout: 60_000 })
  return { cid: (await link.textContent())!, path: (await link.getAttribute('href'))! }
}

/** The peers an edge's delegated routing lists as providers of `cid`, asked from `probe` (a page on the edge's own origin). */
export async function providersOf (probe: Page, edgeHttp: string, cid: string): Promise<string[]> {
  return probe.evaluate(async (url) => {
    const response = await fetch(url, { cache: 'no-store' })
    return response.ok ? ((await response.json()) as { Providers: Array<{ ID: string }> }).Providers.map(p => p.ID) : []
  }, `${edgeHttp}/routing/v1/providers/${cid}`)
}
