import { parseConfig } from '../src/lib/config.ts'
import type { EdgewayConfig } from '../src/lib/config.ts'

const CONFIG_CACHE = 'edgeway-config-v1'
const CONFIG_FETCH_TIMEOUT_MS = 3_000

/**
 * The gateway's configuration, `/edgeway.json` next to the SW: from the
 * network when the gateway server answers, else the copy kept from last time,
 * so a restarted SW works while the server is away.
 */
export async function loadConfig (configUrl: string, options: { signal?: AbortSignal } = {}): Promise<EdgewayConfig> {
  const cache = await caches.open(CONFIG_CACHE)
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(CONFIG_FETCH_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const response = await fetch(configUrl, { cache: 'no-store', signal })
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`)
    }
    const config = parseConfig(await response.clone().json())
    await cache.put(configUrl, response)
    return config
  } catch (err) {
    const cached = await cache.match(configUrl)
    if (cached == null) {
      throw err
    }
    return parseConfig(await cached.json())
  }
}
