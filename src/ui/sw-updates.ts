import { SKIP_WAITING_MESSAGE, SW_VERSION_PATH } from '../lib/sw-lifecycle.ts'
import type { SwVersion } from '../lib/sw-lifecycle.ts'

/** How often an open page asks the server for a new sw.js, beside the browser's own checks on navigation */
export const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000

export interface UpdateBannerElements {
  /** `update-banner`, hidden until an update is ready */
  banner: HTMLElement
  /** The banner's Reload button */
  button: HTMLButtonElement
}

export interface WatchForUpdatesOptions {
  /** Reloads the page once the new version controls it @default location.reload() */
  reload?(): void
  /** Stops the periodic check */
  signal?: AbortSignal
}

/**
 * Shows `update-banner` when a new version of the SW has installed and waits
 * (sw.ts lets an update on the gateway's origin wait for this page). Its
 * Reload asks the waiting SW to take over and reloads when it does, so the
 * page and the SW move to the new version together. A first install has
 * nothing to replace and shows nothing.
 */
export function watchForUpdates (container: ServiceWorkerContainer, registration: ServiceWorkerRegistration, elements: UpdateBannerElements, options: WatchForUpdatesOptions = {}): void {
  const reload = options.reload ?? (() => { location.reload() })
  const offer = (worker: ServiceWorker): void => {
    if (container.controller == null) return
    elements.banner.hidden = false
    elements.button.disabled = false
    elements.button.onclick = () => {
      elements.button.disabled = true
      // another tab of the gateway may have moved every tab over already
      if (worker.state === 'activating' || worker.state === 'activated') {
        reload()
        return
      }
      container.addEventListener('controllerchange', () => { reload() }, { once: true })
      worker.postMessage({ type: SKIP_WAITING_MESSAGE })
    }
  }
  const follow = (worker: ServiceWorker | null): void => {
    if (worker == null) return
    if (worker.state === 'installed') {
      offer(worker)
      return
    }
    worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker) })
  }
  follow(registration.waiting)
  follow(registration.installing)
  registration.addEventListener('updatefound', () => { follow(registration.installing) })
  const timer = setInterval(() => { registration.update().catch(() => {}) }, UPDATE_CHECK_INTERVAL_MS)
  options.signal?.addEventListener('abort', () => { clearInterval(timer) }, { once: true })
}

/** The version of the SW that controls this page, or undefined when none does (yet) */
export async function controllingVersion (options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  options.signal?.throwIfAborted()
  if (navigator.serviceWorker?.controller == null) return undefined
  const response = await fetch(SW_VERSION_PATH, { cache: 'no-store', signal: options.signal })
  if (!response.ok) return undefined
  return ((await response.json()) as SwVersion).version
}
