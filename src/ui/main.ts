import { mountCachePanel } from './cache-panel.ts'
import { mountDashboard } from './dashboard.ts'
import { mountDemoLink } from './demo-link.ts'
import { mountEdgesPanel } from './edges-panel.ts'
import { finishReset, mountResetControl, takeResetPending } from './reset-control.ts'
import { controllingVersion, watchForUpdates } from './sw-updates.ts'
import { LiveStats } from './live-stats.ts'
import { TransferStats } from '../lib/transfer-stats.ts'
import { mountStatsPanel } from './stats-panel.ts'
import { toGatewayPath } from './to-gateway-path.ts'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

function showSwState (state: string, text: string): void {
  const status = $('sw-status')
  status.dataset.state = state
  status.textContent = text
}

async function registerServiceWorker (): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    showSwState('error', 'not available (this browser or connection does not allow service workers)')
    return
  }
  try {
    showSwState('installing', 'installing…')
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' })
    watchForUpdates(navigator.serviceWorker, registration, { banner: $('update-banner'), button: $<HTMLButtonElement>('update-reload') })
    await navigator.serviceWorker.ready
    showSwState('active', 'active')
    void showSwVersion()
  } catch (err) {
    showSwState('error', `failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The version of the SW in charge, once it controls this page (a first install claims it just after `ready`) */
async function showSwVersion (): Promise<void> {
  if (navigator.serviceWorker.controller == null) {
    await new Promise(resolve => { navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }) })
  }
  const version = await controllingVersion().catch(() => undefined)
  const shown = $('sw-version')
  shown.textContent = version ?? '–'
  if (version != null) shown.dataset.version = version
}

$('open-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const error = $('open-error')
  try {
    const path = toGatewayPath($<HTMLInputElement>('cid-input').value)
    error.hidden = true
    location.assign(path)
  } catch (err) {
    error.textContent = err instanceof Error ? err.message : String(err)
    error.hidden = false
  }
})

if (takeResetPending()) {
  // the load after a confirmed reset: no SW, and no panel opening the stores being deleted
  showSwState('reset', 'removed (reset)')
  void finishReset(document)
} else {
  start()
}

/** The gateway page as it runs: the SW, its updates, the reset control and the live panels */
function start (): void {
  void registerServiceWorker()
  mountResetControl(document)
  // this tab's totals: the in-tab peer records what it serves to other browsers here (recordServed)
  const tabTransfers = new TransferStats()
  // one reading of the SW's totals a second, sampled with what the panels below measure, for the totals and the charts
  const live = new LiveStats({ served: tabTransfers })
  mountStatsPanel($('bytes-by-source'), { live, served: tabTransfers })
  mountDashboard(document, live)
  mountEdgesPanel(document, { onReport: live.noteEdges })
  mountCachePanel(document, { onUsage: live.noteCache })
  void mountDemoLink($<HTMLAnchorElement>('demo-link')).catch(() => {})
  live.start()
  void import('./peer-panel.ts').then(async panel => { await panel.mountPeerPanel({ transfers: tabTransfers, onStatus: status => { live.notePeers(status.peers) } }) })
}
