import { CID } from 'multiformats/cid'
import { parseCacheBudget } from '../lib/cache-policy.ts'
import { InvalidRequestError, NotSupportedError } from '../lib/errors.ts'
import { isLocalCache } from '../node/local-cache.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { LocalCache } from '../node/local-cache.ts'
import type { AbortOptions, CacheControls, CacheOptions, CidLike } from './types.ts'
import type { Blockstore } from 'interface-blockstore'

export interface CacheControlsComponents {
  /** The client's local store; only the built-in one keeps a budget and pins */
  store: Promise<Blockstore>
  /** The started node; pinning fetches through it */
  node(): Promise<EdgeNode>
}

export function createCacheControls (components: CacheControlsComponents, options: CacheOptions = {}): CacheControls {
  const budget = options.cacheBudgetBytes === undefined ? undefined : parseCacheBudget(options.cacheBudgetBytes)
  const cache = components.store.then(async store => {
    if (!isLocalCache(store)) {
      throw new NotSupportedError('Budgets and pins need the built-in local store, not a blockstore of your own')
    }
    if (budget !== undefined) {
      await store.setBudget(budget)
    }
    return store
  })
  // a store that cannot open is reported by the calls that need it
  cache.catch(() => {})
  const ready = async (options?: AbortOptions): Promise<LocalCache> => {
    options?.signal?.throwIfAborted()
    return cache
  }

  return {
    async pin (cid, options = {}) {
      const root = toCid(cid)
      // pinning walks the DAG with the content engine's codecs: both are loaded only when a dApp pins
      const [store, node, { pinDag }] = await Promise.all([ready(options), components.node(), import('../node/pin-dag.ts')])
      // pinned content is meant to stay: ask that the browser not clear the origin's storage under pressure
      await globalThis.navigator?.storage?.persist?.().catch(() => false)
      return pinDag({ blockstore: node.helia.blockstore, getCodec: node.helia.getCodec, cache: store, flush: node.flush }, root, options)
    },
    async unpin (cid, options) {
      return (await ready(options)).unpin(toCid(cid), options)
    },
    async pins (options) {
      return (await ready(options)).listPins(options)
    },
    async usage (options) {
      return (await ready(options)).usage(options)
    },
    async setCacheBudget (bytes, options) {
      const store = await ready(options)
      await store.setBudget(bytes === undefined ? undefined : parseCacheBudget(bytes), options)
      const { trimVerifiedFiles } = await import('../content/verified-files.ts')
      // on the gateway's own origin its SW keeps whole files in a share of the same budget (none at 0)
      await trimVerifiedFiles((await store.usage(options)).budgetBytes, { ...options, onKeptBytes: async kept => { await store.setKeptFileBytes?.(kept, options) } })
    }
  }
}

function toCid (cid: CidLike | string): CID {
  const parsed = CID.asCID(cid)
  if (parsed != null) {
    return parsed
  }
  try {
    return CID.parse(String(cid).trim())
  } catch {
    throw new InvalidRequestError(`Not a CID: ${String(cid)}`)
  }
}
