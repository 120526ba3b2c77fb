import * as dagPb from '@ipld/dag-pb'
import { exporter } from 'ipfs-unixfs-exporter'
import { logger } from '@libp2p/logger'
import { fetchWholeDag } from '../node/whole-dag-car.ts'
import type { ReadableBlocks } from './car-prefetch.ts'
import type { EdgeNode } from '../node/create-edge-node.ts'
import type { ContentAddress } from '../lib/parse-gateway-url.ts'
import type { BlockReceivedDetail } from '../lib/types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const log = logger('edgeway:small-site')

/** Sites remembered as fetched whole, or as not to fetch whole (per node): a reload does not fetch them again. */
const MAX_RECENT_SITES = 64

/** Site-CAR blocks remembered until a response uses them (a 4 MiB site of 1 KiB files is ~4,000) */
const MAX_DELIVERED_BLOCKS = 8192

/**
 * How long a request waits on a site CAR that brings nothing (no block, no
 * decision) before it fetches what it needs itself; the CAR itself is given
 * up by the fetcher's own idle limit.
 */
const SITE_IDLE_MS = 1_500

/** How long a block of the navigated path is waited for in the store (the navigation's CAR puts it there) before it is fetched */
const PATH_BLOCK_WAIT_MS = 300
const PATH_BLOCK_POLL_MS = 15

export interface SmallSiteOptions extends AbortOptions {
  /** The request loads a document (a page or a frame): its directory is the site to fetch */
  navigation: boolean
}

/** One site CAR: the directory `dir` under the content root `root` */
interface SiteFetch {
  root: string
  /** Percent-encoded path of the directory under `root`, `''` for the root itself, no trailing slash */
  dir: string
  /** Resolves when the CAR ended (or was not needed): its blocks are in the store */
  ended: Promise<void>
  /** When the fetch last showed progress (walked the path, stored a block) */
  activeAt: number
}

/**
 * The first navigation to a small site brings the whole site in one CAR, so
 * the requests for its assets are answered from the store instead of each
 * opening its own CAR stream. The site is the directory the navigated document
 * is in; "small" is decided before anything is fetched for it, from its
 * verified directory node: the links' `Tsize` add up to the DAG's size (a HAMT
 * shard's too). The CAR's own bytes are capped as well, since `Tsize` is only
 * the content's word. Asset requests for a site whose CAR is in flight wait
 * for it, for as long as it makes progress.
 *
 * Called for every request of a node that may fetch CARs (an HTTP edge, not
 * `only-if-cached`, not peer-first content).
 */
export async function smallSite (sites: SmallSites, address: ContentAddress, options: SmallSiteOptions): Promise<void> {
  const covering = sites.covering(address)
  if (covering != null) {
    await sites.wait(covering, options)
  } else if (options.navigation) {
    sites.navigated(address)
  }
}

/** What the site fetches use of the browser node */
export type SmallSitesComponents = Pick<EdgeNode, 'config' | 'cars' | 'local' | 'helia'>

/**
 * The site fetches of one node: held by the content fetcher built for that
 * node (content-fetcher.ts), so they end with it.
 */
export class SmallSites {
  private readonly node: SmallSitesComponents
  /** At most one CAR per directory at a time; keyed by `root` + `dir` */
  private readonly inFlight = new Map<string, SiteFetch>()
  /** Sites fetched whole (or found whole in the store), by `root` + `dir` and by directory CID; oldest first */
  private readonly recent = new Set<string>()
  /**
   * Blocks a site CAR stored that no response has used yet, with where they
   * came from: the first response to read one counts it as the edge's, as
   * it would have had it fetched the block itself, not as this browser's
   * cache (the page and the statistics of a first visit say "edge")
   */
  private readonly delivered = new Map<string, BlockReceivedDetail>()

  constructor (node: SmallSitesComponents) {
    this.node = node
  }

  /** How `cid` reached the store, when a site CAR brought it and no response has used it yet; forgotten once asked. */
  takeDelivered (cid: string): BlockReceivedDetail | undefined {
    const detail = this.delivered.get(cid)
    this.delivered.delete(cid)
    return detail
  }

  covering (address: ContentAddress): SiteFetch | undefined {
    const root = address.cid.toString()
    for (const site of this.inFlight.values()) {
      if (site.root === root && (site.dir === '' || address.path === site.dir || address.path.startsWith(`${site.dir}/`))) {
        return site
      }
    }
    return undefined
  }

  /** Resolves when the site's CAR ended, or made no progress for `SITE_IDLE_MS`, or the request was given up. */
  async wait (site: SiteFetch, options: AbortOptions): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort = (): void => {}
    const released = new Promise<void>(resolve => {
      const check = (): void => {
        const idle = performance.now() - site.activeAt
        if (idle >= SITE_IDLE_MS) resolve()
        else timer = setTimeout(check, SITE_IDLE_MS - idle)
      }
      check()
      onAbort = resolve
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      await Promise.race([site.ended, released])
    } finally {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
    }
    options.signal?.throwIfAborted()
  }

  /** Starts the fetch of the navigated document's directory, unless it is known to be fetched; does not wait for it. */
  navigated (address: ContentAddress): void {
    const root = address.cid.toString()
    const dir = address.path.slice(0, Math.max(0, address.path.lastIndexOf('/')))
    const key = `${root}${dir}`
    if (this.recent.has(key)) {
      return
    }
    const site: SiteFetch = { root, dir, ended: Promise.resolve(), activeAt: performance.now() }
    site.ended = this.fetchSite(address.cid, site).catch((err: unknown) => {
      log('site %s%s not fetched whole - %e', root, dir, err)
    }).finally(() => {
      this.inFlight.delete(key)
    })
    this.inFlight.set(key, site)
  }

  private async fetchSite (root: CID, site: SiteFetch): Promise<void> {
    const { config } = this.node
    // not tied to the navigation: its assets need the site after the page itself is answered
    const signal = AbortSignal.timeout(config.timeoutMs)
    const path = site.dir.split('/').map(segment => decodeURIComponent(segment)).join('/')
    const entry = await exporter(`/ipfs/${root.toString()}${path}`, storeFirst(this.node), { signal })
    site.activeAt = performance.now()
    if (entry.type !== 'directory' || entry.cid.code !== dagPb.code) {
      return
    }
    const dirKey = entry.cid.toString()
    const size = dagSize(entry.node)
    if (this.recent.has(dirKey) || size > config.smallSiteBytes || await this.stored(entry.node, { signal })) {
      log('site %s%s (%s bytes) not fetched whole: %s', site.root, site.dir, size, size > config.smallSiteBytes ? 'too big' : 'already stored')
      this.remember(`${site.root}${site.dir}`)
      return
    }
    const result = await fetchWholeDag(this.node.cars, this.node.local, entry.cid, {
      maxBytes: config.smallSiteBytes,
      signal,
      held: cid => this.node.local.peek(cid) != null,
      onBlock: (block, stored) => {
        site.activeAt = performance.now()
        if (!stored) return
        this.delivered.set(block.cid.toString(), { cid: block.cid.toString(), source: 'edge', via: 'http', from: block.from, bytes: block.bytes.byteLength })
        while (this.delivered.size > MAX_DELIVERED_BLOCKS) {
          this.delivered.delete(this.delivered.keys().next().value as string)
        }
      }
    })
    log('site %s%s: %d blocks, %d bytes, %s', site.root, site.dir, result.blocks, result.bytes, result.complete ? 'complete' : `stopped (${result.stopped ?? 'incomplete'})`)
    // a site that passed the cap or sent a block of something else is not asked for whole again; one whose
    // edge broke off may be, on the next navigation
    if (result.complete || result.stopped === 'cap' || result.stopped === 'foreign-block') {
      this.remember(`${site.root}${site.dir}`, dirKey)
    }
  }

  /** Every block the directory links to is in the store already (checked on the first link before all of them). */
  private async stored (directory: dagPb.PBNode, options: AbortOptions): Promise<boolean> {
    const [first, ...rest] = directory.Links
    if (first == null || !await this.node.local.has(first.Hash, options)) {
      return false
    }
    return (await Promise.all(rest.map(async link => this.node.local.has(link.Hash, options)))).every(Boolean)
  }

  private remember (...keys: string[]): void {
    for (const key of keys) {
      this.recent.delete(key)
      this.recent.add(key)
    }
    while (this.recent.size > 2 * MAX_RECENT_SITES) {
      this.recent.delete(this.recent.values().next().value as string)
    }
  }
}

/**
 * The node's blocks, from the local store first: the navigation's own CAR
 * brings the path's blocks at the same time, so each is waited for there a
 * little before it is asked of the network.
 */
function storeFirst (node: SmallSitesComponents): ReadableBlocks {
  return {
    has: async (cid, options) => node.helia.blockstore.has(cid, options),
    async * get (cid, options = {}) {
      const deadline = performance.now() + PATH_BLOCK_WAIT_MS
      while (node.local.peek(cid) == null && !await node.local.has(cid, options) && performance.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, PATH_BLOCK_POLL_MS))
        options.signal?.throwIfAborted()
      }
      yield * node.helia.blockstore.get(cid, options)
    }
  }
}

/** The DAG's size as the directory node states it: its own bytes and each link's cumulative size; Infinity when a link does not say. */
function dagSize (directory: dagPb.PBNode): number {
  let size = dagPb.encode(directory).byteLength
  for (const link of directory.Links) {
    size += link.Tsize ?? Infinity
  }
  return size
}
