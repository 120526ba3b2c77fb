import { NotSupportedError } from '../lib/errors.ts'
import { createEdgeClient } from './index.ts'
import { registerGateway } from './register-gateway.ts'
import { fetchThroughSw } from './sw-fetch-progress.ts'
import type { EdgeClient, EdgeClientOptions, EdgeFetchInit } from './index.ts'
import type { RegisterGatewayOptions } from './register-gateway.ts'

export interface StartEdgewayOptions extends Partial<EdgeClientOptions> {
  /**
   * The dApp's own service worker, which wires in `edgeway/sw`
   * (`createEdgewayHandler`); `false` fetches in the page only. A new
   * version of it takes over open pages once installed (see `registerGateway`)
   *
   * @default { scriptUrl: '/sw.js', scope: '/', takeOverUpdates: true }
   */
  serviceWorker?: false | Pick<RegisterGatewayOptions, 'scriptUrl' | 'scope' | 'takeOverUpdates'>
  /**
   * An Edgeway configuration to read the edges (and routers, timeouts) from
   * when the content is fetched in the page, such as a gateway's
   * `/edgeway.json` (readable from any origin); `edges` given here win
   *
   * @default none: `edges` is needed then
   */
  configUrl?: string
  signal?: AbortSignal
}

/** How a dApp reaches content: through its service worker, or, where it has none, in the page. */
export interface Edgeway {
  /** `service-worker`: `/ipfs/…` URLs of this origin work anywhere (img, iframe, fetch); `in-page`: only through `fetch` here */
  readonly mode: 'service-worker' | 'in-page'
  /** Set in the page mode: why there is no service worker, in words a dApp can show its user */
  readonly notice?: string
  /**
   * `ipfs://<cid>/<path>` or `/ipfs/<cid>/<path>`, verified either way.
   * `onProgress` reports blocks as they are verified, in either mode: through
   * the SW, it posts them to this page (only for a fetch with `onProgress`),
   * and the body ends after the last report
   */
  fetch(resource: string | URL, init?: EdgeFetchInit): Promise<Response>
  /** The in-page client, in the page mode */
  readonly client?: EdgeClient
  stop(): Promise<void>
}

/**
 * Starts Edgeway for a dApp: registers its service worker and fetches through
 * it, or, where service workers are unavailable (a private window, a policy
 * that blocks them, no secure context), fetches and verifies in the page and
 * says so in `notice`. Both check every block against its hash.
 */
export async function startEdgeway (options: StartEdgewayOptions = {}): Promise<Edgeway> {
  options.signal?.throwIfAborted()
  const { serviceWorker = {}, configUrl, signal, ...clientOptions } = options
  let reason = 'service workers are turned off for this dApp'
  if (serviceWorker !== false) {
    try {
      await registerGateway({ ...serviceWorker, signal })
      if (navigator.serviceWorker.controller != null) {
        return {
          mode: 'service-worker',
          fetch: async (resource, init) => fetchThroughSw(navigator.serviceWorker, toGatewayPath(resource), init),
          stop: async () => {}
        }
      }
      reason = 'the service worker does not control this page yet (it was loaded with a hard reload)'
    } catch (err) {
      signal?.throwIfAborted()
      reason = err instanceof NotSupportedError ? err.message : `the service worker could not be registered (${err instanceof Error ? err.message : String(err)})`
    }
  }
  const configured = configUrl == null ? {} : await readConfig(configUrl, signal)
  const client = createEdgeClient({ ...configured, ...clientOptions, edges: clientOptions.edges ?? configured.edges ?? [] })
  return {
    mode: 'in-page',
    notice: `Content is fetched and verified in this page: ${reason}. Links to /ipfs/ URLs do not work here, and nothing is kept for other tabs.`,
    client,
    fetch: async (resource, init) => client.fetch(resource, init),
    stop: async () => client.stop()
  }
}

async function readConfig (url: string, signal?: AbortSignal): Promise<Partial<EdgeClientOptions>> {
  const response = await fetch(url, { signal, cache: 'no-store' })
  if (!response.ok) {
    throw new NotSupportedError(`${url} answered ${response.status}: no configuration to fetch in the page with`)
  }
  return await response.json() as Partial<EdgeClientOptions>
}

/** `ipfs://cid/path` as this origin's `/ipfs/cid/path`, which the dApp's SW answers */
function toGatewayPath (resource: string | URL): string {
  const text = String(resource)
  const match = /^(ipfs|ipns):\/\/(.*)$/i.exec(text)
  return match == null ? text : `/${match[1].toLowerCase()}/${match[2]}`
}
