import { formatBytes } from '../../lib/format-bytes.ts'
import { loaderTarget } from '../../lib/loader-target.ts'
import { PROGRESS_PATH, progressStateUrl } from '../../lib/navigation-progress.ts'
import { contentPathFor, gatewayHostOf } from '../../lib/subdomain-gateway.ts'
import { FetchMeter } from '../loader/fetch-meter.ts'
import { mountProgressView } from './progress-view.ts'
import type { NavigationProgress } from '../../lib/navigation-progress.ts'

/**
 * The progress page (sw/handlers/progress.ts answers a navigation whose
 * first byte is late with it): the SW goes on fetching the content, and this
 * page shows how far it got, polling the SW, then loads the link again,
 * answered from the store as content. It never puts content into this
 * document.
 */

const POLL_MS = 250

/** A path as people read it (`%20` as a space); as it is when it does not decode */
function readable (path: string): string {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

/** Loads the content: on a root's own origin this page was the link's own answer, so it is loaded again */
function open (target: string): void {
  if (target === `${location.pathname}${location.search}${location.hash}`) {
    location.reload()
  } else {
    location.replace(target)
  }
}

async function follow (): Promise<void> {
  const gatewayHost = gatewayHostOf(location.host)
  const target = loaderTarget(new URL(location.href), gatewayHost, PROGRESS_PATH)
  const view = mountProgressView(readable(contentPathFor(new URL(target, location.href), gatewayHost) ?? target))
  const meter = new FetchMeter()
  const stateUrl = progressStateUrl(target.split('#')[0])
  for (;;) {
    const response = await fetch(stateUrl, { cache: 'no-store' })
    // the SW no longer follows it (it restarted, or the link was followed too long ago): it answers the link anew
    if (!response.ok) {
      open(target)
      return
    }
    const progress = await response.json() as NavigationProgress
    const total = progress.bytes.cache + progress.bytes.edge + progress.bytes.peer
    if (total > meter.bytes) meter.add(total - meter.bytes)
    if (progress.state === 'failed') {
      view.say(`Stopped after ${formatBytes(total)} and ${(progress.elapsedMs / 1000).toFixed(1)} s`, total, progress.bytes)
      const [name, ...message] = (progress.error ?? '').split(': ')
      view.fail({ status: progress.status ?? 500, name, message: message.join(': ') || name }, progress.tried, target)
      return
    }
    if (progress.state === 'done') {
      view.say(`Verified and stored: ${formatBytes(total)}`, total, progress.bytes)
      open(target)
      return
    }
    view.say(`${meter.describe()} · ${(progress.elapsedMs / 1000).toFixed(0)} s`, total, progress.bytes)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

follow().catch((err: unknown) => {
  const status = document.getElementById('fetch-progress')
  if (status != null) {
    status.dataset.state = 'failed'
    status.textContent = `Could not follow it: ${err instanceof Error ? err.message : String(err)}`
  }
})
