import type { Browser, BrowserContext, Page } from 'playwright-core'

/** A browser (a context of its own: storage, SW, peer) with the gateway page open, so its tab runs a peer. */
export interface PeerTab {
  context: BrowserContext
  page: Page
  peerId: string
}

/**
 * Opens the gateway page in a new context and waits until its tab's peer
 * holds a relay slot on an edge (other browsers can reach it). WebRTC needs
 * camera/microphone permission (else Chromium gathers no ICE candidates) and
 * the browser launched with --allow-loopback-in-peer-connection.
 */
export async function openPeerTab (browser: Browser, gateway: string): Promise<PeerTab> {
  const context = await browser.newContext()
  await context.grantPermissions(['camera', 'microphone'], { origin: gateway })
  const page = await context.newPage()
  await page.goto(`${gateway}/`)
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 60_000 })
  await page.locator('[data-testid="peer-status"][data-reachable="true"]').waitFor({ timeout: 60_000 })
  return { context, page, peerId: (await page.getByTestId('peer-status').getAttribute('data-peer-id'))! }
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
