import { NotSupportedError } from '../lib/errors.ts'

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
