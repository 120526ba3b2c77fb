import { resolve } from 'node:path'
import type { PullResult, WebrtcPage } from '../pages/webrtc.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

/** The bench pages' build (bench/pages/webrtc.ts among them), for bench/support/pages-server.ts */
export const PAGES_DIR = resolve(import.meta.dirname, '../.build')

/**
 * What a libp2p WebRTC connection between two fresh Chromium contexts
 * carries here: two bench pages meet through the edge's relay (`edge`, its
 * WebSocket multiaddr) as two tabs do, and one pulls `bytes` from the other.
 * `pages` serves them (bench/support/pages-server.ts).
 */
export async function webrtcLimit (browser: Browser, pages: string, edge: string, bytes: number): Promise<PullResult> {
  return withTwoPages(browser, pages, async (sender, receiver) => {
    const addresses = await sender.evaluate(async (edge) => (globalThis as unknown as InPage).edgewayWebrtc.start(edge), edge)
    await receiver.evaluate(async (edge) => (globalThis as unknown as InPage).edgewayWebrtc.start(edge), edge)
    return receiver.evaluate(async ({ addresses, bytes }) => (globalThis as unknown as InPage).edgewayWebrtc.pull(addresses, bytes), { addresses, bytes })
  })
}

/** The same over a bare RTCDataChannel (no libp2p), its offer and answer handed over from here. */
export async function bareChannelLimit (browser: Browser, pages: string, bytes: number): Promise<{ bytes: number, transferMs: number }> {
  return withTwoPages(browser, pages, async (sender, receiver) => {
    const offer = await sender.evaluate(async (bytes) => (globalThis as unknown as InPage).edgewayWebrtc.bareOffer(bytes), bytes)
    const answer = await receiver.evaluate(async ({ offer, bytes }) => (globalThis as unknown as InPage).edgewayWebrtc.bareAnswer(offer, bytes), { offer, bytes })
    await sender.evaluate(async (answer) => { await (globalThis as unknown as InPage).edgewayWebrtc.bareAccept(answer) }, answer)
    return { bytes, transferMs: await receiver.evaluate(async () => (globalThis as unknown as InPage).edgewayWebrtc.bareReceived()) }
  })
}

async function withTwoPages<T> (browser: Browser, pages: string, fn: (sender: Page, receiver: Page) => Promise<T>): Promise<T> {
  const contexts: BrowserContext[] = []
  try {
    const open = async (): Promise<Page> => {
      const context = await browser.newContext()
      contexts.push(context)
      // without it Chromium gathers no ICE candidates
      await context.grantPermissions(['camera', 'microphone'], { origin: pages })
      const opened = await context.newPage()
      await opened.goto(`${pages}/pages/webrtc.html`)
      await opened.waitForFunction(() => 'edgewayWebrtc' in globalThis, null, { timeout: 30_000 })
      return opened
    }
    return await fn(await open(), await open())
  } finally {
    await Promise.all(contexts.map(async context => { await context.close() }))
  }
}

/** The page's API, set by bench/pages/webrtc.ts, as the calls above read it inside the page */
interface InPage { edgewayWebrtc: WebrtcPage }
