import { parseConfig } from '../../lib/config.ts'
import { formatBytes } from '../../lib/format-bytes.ts'
import { loaderTarget, loaderUrl, wholeDagPath } from '../../lib/loader-target.ts'
import { SUBDOMAIN_CONFIG_PATH, contentPathFor, gatewayHostOf, splitSubdomainHost } from '../../lib/subdomain-gateway.ts'
import { connectServiceWorkerBridge, createTabPeer } from '../../peer/index.ts'
import { FetchMeter } from './fetch-meter.ts'
import { mountLoaderView } from './loader-view.ts'
import type { LoaderView } from './loader-view.ts'
import type { TabPeer } from '../../peer/index.ts'

/**
 * The loader page (sw/loader-page.ts is the SW's shell of it, loader-view.ts
 * what it shows): the SW answers a link
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

/** A path as people read it (`%20` as a space); as it is when it does not decode */
function readable (path: string): string {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

async function load (): Promise<void> {
  const gatewayHost = gatewayHostOf(location.host)
  const target = loaderTarget(new URL(location.href), gatewayHost)
  // what is being opened, as its address (on a root's own origin the page's path alone says nothing of the root)
  view = mountLoaderView(readable(contentPathFor(new URL(target, location.href), gatewayHost) ?? target))
  const { enter, say, fail } = view
  enter('peer')
  say('Starting this tab\'s peer…')
  // edgeway.json sits next to the SW script: /edgeway.json, or /_edgeway/edgeway.json on a root's own origin
  const configPath = splitSubdomainHost(location.host) == null ? '/edgeway.json' : SUBDOMAIN_CONFIG_PATH
  const config = parseConfig(await (await fetch(configPath, { cache: 'no-store' })).json())
  // a visitor: it fetches and announces nothing of what it gets
  const peer = await createTabPeer({ config, serving: false })
  connectServiceWorkerBridge(peer)
  enter('peers')
  const meter = new FetchMeter()
  const update = (): void => {
    say(meter.bytes === 0 ? peersText(peer) : `${peersText(peer)} · ${meter.describe()}`, meter.bytes)
  }
  update()
  const shown = setInterval(update, STATUS_EVERY_MS)
  try {
    await until(() => peer.status().edges > 0, EDGE_WAIT_MS)
    const response = await fetch(wholeDagPath(target, location.host), { headers: { Accept: 'application/vnd.ipld.car' }, cache: 'no-store' })
    if (!response.ok || response.body == null) {
      await response.body?.cancel()
      fail(`Could not get it (${response.status} ${response.statusText}): the browsers that hold it may have gone.`, loaderUrl(target))
      return
    }
    const reader = response.body.getReader()
    try {
      for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
        if (meter.bytes === 0) {
          enter('fetch')
        }
        meter.add(chunk.value.byteLength)
      }
    } catch {
      // the SW ends the body when no source delivers for its timeout: the browsers that held it went away
      fail(`The transfer stopped after ${formatBytes(meter.bytes)}: the browsers that hold it went away or stopped answering.`, loaderUrl(target))
      return
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

let view: LoaderView | undefined
load().catch((err: unknown) => {
  view ??= mountLoaderView('')
  // what was fetched is stored, so the SW would now answer the link as content: "try again" asks for the loader
  view.fail(`Could not open it: ${err instanceof Error ? err.message : String(err)}`, retryUrl())
})

function retryUrl (): string {
  try {
    return loaderUrl(loaderTarget(new URL(location.href), gatewayHostOf(location.host)))
  } catch {
    return location.href
  }
}
