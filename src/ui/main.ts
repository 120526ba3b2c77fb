import { parseConfig } from '../lib/config.ts'
import { mountCachePanel } from './cache-panel.ts'
import { TransferStats } from '../lib/transfer-stats.ts'
import { mountStatsPanel } from './stats-panel.ts'
import { toGatewayPath } from './to-gateway-path.ts'
import type { EdgeEndpoint } from '../lib/types.ts'

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
    await navigator.serviceWorker.register('/sw.js', { scope: '/' })
    await navigator.serviceWorker.ready
    showSwState('active', 'active')
  } catch (err) {
    showSwState('error', `failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function renderEdges (edges: EdgeEndpoint[]): void {
  const list = $('edge-list')
  list.replaceChildren()
  if (edges.length === 0) {
    list.innerHTML = '<li class="muted">No edges configured.</li>'
    return
  }
  for (const edge of edges) {
    const item = document.createElement('li')
    const title = document.createElement('strong')
    title.textContent = edge.http ?? edge.peerId ?? 'edge'
    item.append(title)
    for (const ma of edge.multiaddrs) {
      const code = document.createElement('code')
      code.textContent = ma
      item.append(document.createElement('br'), code)
    }
    list.append(item)
  }
}

async function loadEdges (): Promise<void> {
  try {
    const response = await fetch('/edgeway.json', { cache: 'no-store' })
    renderEdges(parseConfig(await response.json()).edges)
  } catch (err) {
    $('edge-list').innerHTML = ''
    const item = document.createElement('li')
    item.className = 'error'
    item.textContent = `Could not load the configuration: ${err instanceof Error ? err.message : String(err)}`
    $('edge-list').append(item)
  }
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

void registerServiceWorker()
void loadEdges()
mountCachePanel()
// this tab's totals: the in-tab peer records what it serves to other browsers here (recordServed)
const tabTransfers = new TransferStats()
mountStatsPanel($('bytes-by-source'), { served: tabTransfers })
void import('./peer-panel.ts').then(async panel => { await panel.mountPeerPanel({ transfers: tabTransfers }) })
