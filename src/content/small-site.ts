import * as dagPb from '@ipld/dag-pb'
import { exporter } from 'ipfs-unixfs-exporter'
import { logger } from '@libp2p/logger'
import { blockKey, fetchWholeDag } from '../node/whole-dag-car.ts'
import { DirectoryCache } from './directory-links.ts'
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
  /**
   * The request reads its path's blocks through `SmallSites.blocksOf`, so it
   * waits for those blocks only, not for the whole site CAR
   */
  blockByBlock?: boolean
}

/** One site CAR: the directory `dir` under the content root `root` */
export interface SiteFetch {
  root: string
  /** Percent-encoded path of the directory under `root`, `''` for the root itself, no trailing slash */
  dir: string
  /** Resolves when the CAR ended (or was not needed): its blocks are in the store */
  ended: Promise<void>
  /** When the fetch last showed progress (walked the path, stored a block) */
  activeAt: number
  /** Resolves once the CAR started (its blocks to come are known) or the fetch ended without one */
  started: Promise<void>
  /**
   * Blocks of the site linked from a block that arrived, not arrived yet
   * (whole-dag-car.ts keeps it): what a request waits for in this CAR
   */
  coming?: ReadonlySet<string>
  /** The key of the site directory's block, the CAR's first */
  rootKey?: string
  /** Wakes the requests waiting for a block, by block key */
  readonly waiters: Map<string, Set<() => void>>
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
    if (options.blockByBlock !== true) {
      await sites.wait(covering, options)
    }
  } else if (options.navigation) {
    sites.navigated(address)
  }
}

/** A request's blocks under a site whose CAR is in flight (`SmallSites.blocksOf`) */
export interface SiteBlocks extends ReadableBlocks {
  /** Resolves once the block is in, or not to come from the site's CAR: for a block read elsewhere (a directory decoded before) */
  arrival(cid: CID, options: AbortOptions): Promise<void>
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
  /** The node's plain directories decoded once (a site's assets are names in one directory): resolve-file walks through them */
  readonly directories = new DirectoryCache()

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

  /**
   * `blocks` as a request under `site` reads them: a block the site's CAR is
   * still to bring is waited for there (for as long as the CAR makes
   * progress), so the request is answered as soon as its own blocks are in,
   * not after the whole site, and does not fetch them a second time.
   */
  blocksOf (site: SiteFetch, blocks: ReadableBlocks): SiteBlocks {
    const sites = this
    return {
      has: async (cid, options) => blocks.has(cid, options),
      async * get (cid, options = {}) {
        await sites.arrival(site, cid, options)
        yield * blocks.get(cid, options)
      },
      arrival: async (cid, options) => { await sites.arrival(site, cid, options) }
    }
  }

  /**
   * Resolves once `cid` is not to come from the site's CAR, or came: it
   * arrived, or it is not the site's (a block above the site's directory),
   * or the CAR ended or stalled. Which blocks are to come is known once the
   * CAR started and its first block (the site's directory) arrived; a site's
   * blocks arrive parent first, and a request passes each block of its path
   * through here in that order, so a block not linked by then is not the
   * site's.
   */
  async arrival (site: SiteFetch, cid: CID, options: AbortOptions): Promise<void> {
    if (site.coming == null) {
      await this.wait(site, options, site.started)
    }
    if (site.rootKey != null && site.coming?.has(site.rootKey) === true) {
      await this.arrived(site, site.rootKey, options)
    }
    const key = blockKey(cid)
    if (site.coming?.has(key) === true) {
      await this.arrived(site, key, options)
    }
  }

  /** Resolves once the block `key` arrived in the site's CAR, or as `wait` does. */
  private async arrived (site: SiteFetch, key: string, options: AbortOptions): Promise<void> {
    let wake = (): void => {}
    const arrived = new Promise<void>(resolve => { wake = resolve })
    const waiting = site.waiters.get(key) ?? new Set()
    waiting.add(wake)
    site.waiters.set(key, waiting)
    try {
      await this.wait(site, options, arrived)
    } finally {
      waiting.delete(wake)
      if (waiting.size === 0 && site.waiters.get(key) === waiting) {
        site.waiters.delete(key)
      }
    }
  }

  /** Resolves when the site's CAR ended (or `until` did), or made no progress for `SITE_IDLE_MS`, or the request was given up. */
  async wait (site: SiteFetch, options: AbortOptions, until?: Promise<void>): Promise<void> {
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
      await Promise.race([site.ended, released, ...(until == null ? [] : [until])])
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
    let started = (): void => {}
    const site: SiteFetch = { root, dir, ended: Promise.resolve(), activeAt: performance.now(), started: new Promise(resolve => { started = resolve }), waiters: new Map() }
    site.ended = this.fetchSite(address.cid, site, started).catch((err: unknown) => {
      log('site %s%s not fetched whole - %e', root, dir, err)
    }).finally(() => {
      started()
      this.inFlight.delete(key)
    })
    this.inFlight.set(key, site)
  }

  private async fetchSite (root: CID, site: SiteFetch, started: () => void): Promise<void> {
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
    const coming = new Set<string>()
    site.coming = coming
    site.rootKey = blockKey(entry.cid)
    started()
    const result = await fetchWholeDag(this.node.cars, this.node.local, entry.cid, {
      maxBytes: config.smallSiteBytes,
      signal,
      expected: coming,
      held: cid => this.node.local.peek(cid) != null,
      onBlock: (block, stored) => {
        site.activeAt = performance.now()
        // verified on arrival, and the page asks for each of them next: answered from memory, not read back and hashed again
        this.node.local.retain(block.cid, block.bytes)
        const key = blockKey(block.cid)
        site.waiters.get(key)?.forEach(wake => { wake() })
        site.waiters.delete(key)
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
