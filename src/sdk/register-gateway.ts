import { NotSupportedError } from '../lib/errors.ts'
import { SKIP_WAITING_MESSAGE } from '../lib/sw-lifecycle.ts'

export interface RegisterGatewayOptions {
  /**
   * URL of the gateway's service worker; it reads its configuration from
   * `edgeway.json` next to this URL
   *
   * @default '/sw.js'
   */
  scriptUrl?: string
  /**
   * @default '/'
   */
  scope?: string
  /**
   * Whether a new version of the SW takes over this origin's open pages as
   * soon as it has installed. The gateway's SW waits for a page's word before
   * it replaces a running version (the gateway page asks its user with a
   * banner); a dApp's page has no such banner, so with `false` a new version
   * moves in only once every tab of the origin is closed
   *
   * @default true
   */
  takeOverUpdates?: boolean
  signal?: AbortSignal
}

/**
 * Installs (or updates) the Edgeway service worker for this origin and
 * resolves once it is active: from then on `/ipfs/...` URLs of pages it
 * controls are answered with verified content. That content shares this
 * origin, so the SW answers it sandboxed (`Content-Security-Policy: sandbox
 * allow-same-origin …`, no scripts): it can be shown, linked and framed, but
 * cannot reach this origin's storage or its SW. Check
 * `navigator.serviceWorker.controller`: a page opened with a hard reload is
 * only controlled after it is loaded again.
 *
 * Updates: the browser looks for a new `sw.js` on navigations (and
 * `registration.update()` asks at once). A new version that has installed is
 * told to take over (see `takeOverUpdates`), for as long as this page is
 * open: it then controls the open pages without a reload
 * (`controllerchange` fires) and answers their next requests.
 */
export async function registerGateway (options: RegisterGatewayOptions = {}): Promise<ServiceWorkerRegistration> {
  options.signal?.throwIfAborted()
  if (!('serviceWorker' in navigator) || navigator.serviceWorker == null) {
    throw new NotSupportedError('this browser offers no service workers here (a private window, a policy, or not a secure context)')
  }
  const registration = await navigator.serviceWorker.register(options.scriptUrl ?? '/sw.js', { scope: options.scope ?? '/' }) as ServiceWorkerRegistration | undefined
  if (registration == null) {
    // what a browser (or an extension, or a test harness) that blocks service workers without saying so answers
    throw new NotSupportedError('service workers are blocked here: registering one did nothing')
  }
  if (options.takeOverUpdates !== false) {
    // before update(): what it installs is followed too
    takeOverUpdates(registration)
  }
  await registration.update().catch(() => {})
  await navigator.serviceWorker.ready
  if (navigator.serviceWorker.controller == null) {
    // a first install takes control at once (clients.claim); after a hard reload the page
    // stays uncontrolled until it is loaded again, so this gives up waiting after a while
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 3_000)
      navigator.serviceWorker.addEventListener('controllerchange', () => { clearTimeout(timer); resolve() }, { once: true })
      options.signal?.addEventListener('abort', () => { clearTimeout(timer); reject(options.signal?.reason) }, { once: true })
    })
  }
  return registration
}

/**
 * Tells every version of the SW that installs while this page is open (and
 * one already waiting) to take over at once. The word is the gateway page's
 * reload message; a first install takes over by itself, so telling it too
 * changes nothing.
 */
function takeOverUpdates (registration: ServiceWorkerRegistration): void {
  const follow = (worker: ServiceWorker | null): void => {
    if (worker == null) return
    const tell = (): void => { worker.postMessage({ type: SKIP_WAITING_MESSAGE }) }
    if (worker.state === 'installed') {
      tell()
      return
    }
    worker.addEventListener('statechange', () => { if (worker.state === 'installed') tell() })
  }
  follow(registration.waiting)
  follow(registration.installing)
  registration.addEventListener('updatefound', () => { follow(registration.installing) })
}
