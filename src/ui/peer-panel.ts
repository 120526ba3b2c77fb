import { parseConfig } from '../lib/config.ts'
import { formatBytes } from '../lib/format-bytes.ts'
import { countOf } from './count-of.ts'
import { connectServiceWorkerBridge, createTabPeer, publishFiles } from '../peer/index.ts'
import type { TransferStats } from '../lib/transfer-stats.ts'
import type { TabPeer, TabPeerStatus } from '../peer/index.ts'

/** Where the page keeps the user's choice to serve others (or not) */
const SERVING_KEY = 'edgeway-peer-serving'
/** Where it keeps the choice to share what this browser viewed too; absent means no, the private default */
const SHARE_VIEWED_KEY = 'edgeway-peer-share-viewed'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

/**
 * The "this browser as a peer" section: starts the tab's peer, connects it to
 * the service worker, and shows plainly whether this tab serves others and
 * how much; the switch and the publish input act on it.
 */
export interface PeerPanelOptions {
  /** This tab's totals, where what the peer served to others is recorded */
  transfers?: TransferStats
  /** Called with the peer's status as the panel shows it, every second: the page's charts sample it */
  onStatus?: (status: TabPeerStatus) => void
}

export async function mountPeerPanel (options: PeerPanelOptions = {}): Promise<void> {
  const state = $('peer-status')
  const toggle = $<HTMLInputElement>('peer-serving-toggle')
  toggle.checked = localStorage.getItem(SERVING_KEY) !== 'off'
  // the switch works (and is remembered) from the moment it can be clicked, before the peer has started:
  // a user who turns serving off while the peer starts must never find it on
  let peer: TabPeer | undefined
  toggle.addEventListener('change', () => {
    localStorage.setItem(SERVING_KEY, toggle.checked ? 'on' : 'off')
    const running = peer
    void running?.setServing(toggle.checked).then(() => { render(running.status()) })
  })
  toggle.disabled = false
  const shareViewed = $<HTMLInputElement>('peer-share-viewed-toggle')
  shareViewed.checked = localStorage.getItem(SHARE_VIEWED_KEY) === 'on'
  shareViewed.addEventListener('change', () => {
    localStorage.setItem(SHARE_VIEWED_KEY, shareViewed.checked ? 'on' : 'off')
    const running = peer
    void running?.setShareViewed(shareViewed.checked).then(() => { actedOnShareViewed(running.status()) })
  })
  shareViewed.disabled = false
  try {
    const config = parseConfig(await (await fetch('/edgeway.json', { cache: 'no-store' })).json())
    peer = await createTabPeer({ config, serving: toggle.checked, shareViewed: shareViewed.checked })
    // switched while the peer was starting
    await peer.setServing(toggle.checked)
    await peer.setShareViewed(shareViewed.checked)
    actedOnShareViewed(peer.status())
  } catch (err) {
    state.dataset.state = 'error'
    state.textContent = `not started: ${err instanceof Error ? err.message : String(err)}`
    return
  }
  connectServiceWorkerBridge(peer)
  const input = $<HTMLInputElement>('publish-input')
  input.addEventListener('change', () => { void publish(peer, input) })
  // what this tab served, also into the page's bytes-by-source totals
  let reported = { blocks: 0, bytes: 0 }
  const update = (): void => {
    const status = peer.status()
    if (status.served.blocks > reported.blocks) {
      options.transfers?.recordServed(status.served.bytes - reported.bytes, status.served.blocks - reported.blocks)
      reported = { ...status.served }
    }
    render(status)
    options.onStatus?.(status)
  }
  update()
  setInterval(update, 1000)
}

/** Marks the share-viewed choice as in force: set only once the peer has refused and withdrawn (or listed) those blocks. */
function actedOnShareViewed (status: TabPeerStatus): void {
  $('peer-status').dataset.shareViewed = String(status.shareViewed)
  render(status)
}

function render (status: TabPeerStatus): void {
  const state = $('peer-status')
  state.dataset.peerId = status.peerId
  state.dataset.serving = String(status.serving)
  state.dataset.reachable = String(status.addresses.length > 0)
  if (!status.serving) {
    state.dataset.state = 'off'
    state.textContent = 'Not serving other browsers: this tab neither answers their requests nor tells the edges what it has.'
  } else if (status.addresses.length === 0) {
    state.dataset.state = 'waiting'
    state.textContent = 'Serving is on; waiting for a relay slot on an edge so other browsers can reach this tab.'
  } else {
    state.dataset.state = 'active'
    const what = status.shareViewed ? 'what you published, pinned or viewed' : 'what you published or pinned (not what you only viewed)'
    state.textContent = `Serving other browsers ${what}: ${countOf(status.announced, 'block')} listed at the edges, reachable through an edge relay.`
  }
  const count = $('peer-count')
  count.textContent = String(status.peers)
  count.dataset.webrtc = String(status.webrtcPeers)
  const served = $('peer-served')
  served.dataset.bytes = String(status.served.bytes)
  served.textContent = status.served.blocks === 0 ? 'nothing yet' : `${formatBytes(status.served.bytes)} in ${countOf(status.served.blocks, 'block')}`
}

async function publish (peer: TabPeer, input: HTMLInputElement): Promise<void> {
  const out = $('published-cid')
  const files = [...(input.files ?? [])]
  if (files.length === 0) {
    return
  }
  out.dataset.state = 'busy'
  out.textContent = `Publishing ${files.length === 1 ? files[0].name : `${files.length} files`}…`
  try {
    const result = await publishFiles(peer, files)
    const link = document.createElement('a')
    link.href = result.path
    link.textContent = result.cid
    link.dataset.testid = 'published-link'
    out.replaceChildren(link)
    out.dataset.state = 'done'
  } catch (err) {
    out.dataset.state = 'error'
    out.textContent = `Could not publish: ${err instanceof Error ? err.message : String(err)}`
  }
}
