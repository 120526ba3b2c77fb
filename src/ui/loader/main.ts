import { parseConfig } from '../../lib/config.ts'
import { loaderTarget, wholeDagPath } from '../../lib/loader-target.ts'
import { SUBDOMAIN_CONFIG_PATH, gatewayHostOf, splitSubdomainHost } from '../../lib/subdomain-gateway.ts'
import { connectServiceWorkerBridge, createTabPeer } from '../../peer/index.ts'
import { FetchMeter } from './fetch-meter.ts'
import type { TabPeer } from '../../peer/index.ts'

/**
 * The loader page (sw/loader-page.ts is its markup): the SW answers a link
 * only other browsers hold with it, since a SW cannot use WebRTC. It starts
 * a visitor's peer here (sharing nothing), connects it to the SW, fetches
 * the content's whole DAG through the SW (which asks other browsers through
 * this peer and hashes every block before it stores it), then loads the
 * content's URL again: the SW answers it from the store, as content, with
 * whatever it loads next (a site's assets) there too. It never puts content
 * into this document.
 */

/** How long the peer may take to reach an edge (the relay other browsers are dialled through) before fetching anyway */
const EDGE_WAIT_MS = 5_000
const STATUS_EVERY_MS = 250

type Step = 'peer' | 'peers' | 'fetch' | 'show'
const STEPS: Step[] = ['peer', 'peers', 'fetch', 'show']

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

function enter (step: Step): void {
  const at = STEPS.indexOf(step)
  document.querySelectorAll<HTMLElement>('#loader-steps li').forEach(item => {
    const index = STEPS.indexOf(item.dataset.step as Step)
    item.dataset.state = index < at ? 'done' : index === at ? 'active' : 'waiting'
  })
}

function say (text: string, bytes?: number): void {
  const progress = $('fetch-progress')
  progress.textContent = text
  if (bytes != null) {
    progress.dataset.bytes = String(bytes)
  }
}

function fail (text: string): void {
  const error = $('loader-error')
  const again = document.createElement('a')
  again.href = location.href
  again.textContent = 'Try again'
  error.replaceChildren(`${text} `, again)
  error.hidden = false
  $('fetch-progress').dataset.state = 'failed'
  $<HTMLProgressElement>('loader-bar').hidden = true
}

async function until (done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

function peersText (peer: TabPeer): string {
  const { peers, edges } = peer.status()
  if (peers > 0) {
    return `Connected to ${peers} other browser${peers === 1 ? '' : 's'}`
  }
  return edges > 0 ? 'Looking for browsers that hold it…' : 'Reaching an edge to find browsers through…'
}

async function load (): Promise<void> {
  const gatewayHost = gatewayHostOf(location.host)
  const target = loaderTarget(new URL(location.href), gatewayHost)
  $('loader-address').textContent = decodeURI(target)
  enter('peer')
  say('Starting this tab\'s peer…')
  // edgeway.json sits next to the SW script: /edgeway.json, or /_edgeway/edgeway.json on a root's own origin
  const configPath = splitSubdomainHost(location.host) == null ? '/edgeway.json' : SUBDOMAIN_CONFIG_PATH
  const config = parseConfig(await (await fetch(configPath, { cache: 'no-store' })).json())
  // a visitor: it fetches and announces nothing of what it gets
  const peer = await createTabPeer({ config, serving: false })
  connectServiceWorkerBridge(peer)
  enter('peers')
  await until(() => peer.status().edges > 0, EDGE_WAIT_MS)
  say(peersText(peer), 0)

  const meter = new FetchMeter()
  const shown = setInterval(() => {
    say(meter.bytes === 0 ? peersText(peer) : `${peersText(peer)} · ${meter.describe()}`, meter.bytes)
  }, STATUS_EVERY_MS)
  try {
    const response = await fetch(wholeDagPath(target, location.host), { headers: { Accept: 'application/vnd.ipld.car' }, cache: 'no-store' })
    if (!response.ok || response.body == null) {
      await response.body?.cancel()
      fail(`Could not get it (${response.status} ${response.statusText}): the browsers that hold it may have gone.`)
      return
    }
    const reader = response.body.getReader()
    for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
      if (meter.bytes === 0) {
        enter('fetch')
      }
      meter.add(chunk.value.byteLength)
    }
  } finally {
    clearInterval(shown)
  }
  enter('show')
  say(`Verified and stored: ${meter.describe()}`, meter.bytes)
  // answered from the store now: the SW serves it as content (sandboxed on a shared origin). On a root's own
  // origin the loader was this URL's answer: loaded again (a replace to the same URL with a #fragment would only scroll)
  if (target === `${location.pathname}${location.search}${location.hash}`) {
    location.reload()
  } else {
    location.replace(target)
  }
}

load().catch((err: unknown) => {
  fail(`Could not open it: ${err instanceof Error ? err.message : String(err)}`)
})
