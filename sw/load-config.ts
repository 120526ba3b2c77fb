import { parseConfig } from '../src/lib/config.ts'
import type { EdgewayConfig } from '../src/lib/config.ts'

export const CONFIG_CACHE = 'edgeway-config-v1'
const CONFIG_FETCH_TIMEOUT_MS = 3_000

export interface LoadedConfig {
  config: EdgewayConfig
  /** The JSON as served, to tell whether it changed */
  text: string
}

/**
 * The gateway's configuration, `/edgeway.json` next to the SW: from the
 * network when the gateway server answers, else the copy kept from last time,
 * so a restarted SW works while the server is away.
 */
export async function loadConfig (configUrl: string, options: { signal?: AbortSignal } = {}): Promise<LoadedConfig> {
  options.signal?.throwIfAborted()
  // the copy only matters for starting offline: an origin out of storage quota must still start
  const cache = await caches.open(CONFIG_CACHE).catch(() => undefined)
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(CONFIG_FETCH_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const response = await fetch(configUrl, { cache: 'no-store', signal })
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`)
    }
    const text = await response.text()
    const config = parseConfig(JSON.parse(text))
    await cache?.put(configUrl, new Response(text, { headers: { 'Content-Type': 'application/json' } })).catch(() => {})
    return { config, text }
  } catch (err) {
    const cached = await cache?.match(configUrl)
    if (cached == null) {
      throw err
    }
    const text = await cached.text()
    return { config: parseConfig(JSON.parse(text)), text }
  }
}

/** The copy of `/edgeway.json` kept by the last successful `loadConfig`, for a page that asks while the server is away. */
export async function cachedConfig (configUrl: string): Promise<Response | undefined> {
  return (await caches.open(CONFIG_CACHE)).match(configUrl)
}
