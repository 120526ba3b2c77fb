import { exporter } from 'ipfs-unixfs-exporter'
import { NotSupportedError } from '../../lib/errors.ts'
import { REQUEST_STATE, RequestState } from '../../lib/request-state.ts'
import { CarPrefetch } from '../car-prefetch.ts'
import { blockByBlock } from './small-site.ts'
import { pathEndsInsideNode } from '../gateway/dag-path.ts'
import type { ContentRequest } from '../content-request.ts'
import type { ContentStep } from './index.ts'
import type { ReadableBlocks } from '../car-prefetch.ts'
import type { DirectoryCache } from '../directory-links.ts'
import type { SiteBlocks, SiteFetch } from '../small-site.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { ProgressOptions } from 'progress-events'
import type { CarQuery } from '../../node/edge-car-fetcher.ts'
import type { WithRequestState } from '../../lib/request-state.ts'
import type { ExporterOptions } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/**
 * The most a response holds of blocks delivered and not yet read: what runs
 * ahead of the reader plus the blocks at a window's edges, with room to
 * spare. More is an edge sending what nobody asked for.
 */
export function heldLimit (window: number): number {
  return 4 * window + 4 * 1024 * 1024
}

/**
 * Sets up what rides with the request from here on (`RequestState`): its
 * root and, when an edge speaks HTTP, one response's batched CAR fetching
 * (shared with other browsers when the edges list some for the root). Then
 * walks the path once, in one CAR with the first bytes of the file it ends
 * at, so the file plugin streams that file window by window. A path that
 * ends inside a DAG-JSON/CBOR node is a 501.
 */
export const resolveFileStep: ContentStep = {
  name: 'resolve-file',
  async run (request) {
    const { components, address } = request
    const { config } = components
    // a CAR runs one window ahead of what the reader took: the file plugin already has the next window in
    // flight, and twice that only raised the SW's peak memory (writes behind are bounded at twice this)
    const peers = request.peersListed != null && components.peerCars?.available === true
      ? { source: components.peerCars, listed: request.peersListed, rates: components.carRates }
      : undefined
    const prefetch = components.cars.available && !request.offline
      ? new CarPrefetch({ fetcher: components.cars, fallback: components.helia.blockstore, local: components.local, readAheadBytes: config.readAheadBytes, maxHeldBytes: heldLimit(config.readAheadBytes), segmentBytes: 8 * config.readAheadBytes, signal: AbortSignal.any([request.signal, request.answered.signal]), root: address.cid, peers })
      : undefined
    const state = new RequestState({ root: address.cid, readAheadBytes: config.readAheadBytes, blocks: prefetch, body: request.bodyWatch })
    request.state = state
    if (request.offline) {
      return undefined
    }
    // a site CAR in flight brings this path's blocks: they are waited for there, one by one
    const site = prefetch != null && blockByBlock(request) ? request.sites.covering(address) : undefined
    state.file = await resolveFile(request, prefetch, site)
    if (state.file == null && site != null) {
      // verified-fetch reads more than the path (a directory's entries): from the store, once the site is in
      await request.sites.wait(site, { signal: request.signal })
    }
    if (state.file == null && await pathEndsInsideNode(components, address, { signal: request.signal })) {
      return request.refuse(new NotSupportedError('The path goes into a field of a DAG node that is not a link; only links can be pathed through'))
    }
    return undefined
  }
}

/**
 * The terminal CID when the path ends at a UnixFS file or a raw block (a
 * file of one block). The blocks read here are the ones verified-fetch reads
 * next, from the local store. Anything unusual (not found, not UnixFS) is
 * left for verified-fetch to answer.
 */
async function resolveFile (request: ContentRequest, prefetch: CarPrefetch | undefined, site: SiteFetch | undefined): Promise<CID | undefined> {
  const { address, method } = request
  if (method !== 'GET' && method !== 'HEAD') {
    return undefined
  }
  const range = simpleRange(request.headers.get('range')) ?? { from: 0, to: '*' }
  // a HEAD needs no file bytes beyond the first
  const query: CarQuery = { cid: address.cid, path: address.path, range: method === 'HEAD' ? { from: range.from, to: range.from } : range }
  const view = prefetch?.pathView(query) ?? request.components.helia.blockstore
  const blocks = site == null ? view : request.sites.blocksOf(site, view)
  try {
    const path = address.path.split('/').map(segment => decodeURIComponent(segment)).join('/')
    const options: ExporterOptions & WithRequestState = { signal: request.signal, onProgress: request.onProgress, [REQUEST_STATE]: request.state }
    const { cid, rest } = await throughDirectories(request.sites.directories, address.cid, path, blocks, options)
    const entry = await exporter(`/ipfs/${cid.toString()}${rest}`, blocks, options)
    if (entry.type !== 'file' && entry.type !== 'raw') {
      return undefined
    }
    prefetch?.resolved(view, entry.cid, Number(entry.size))
    return entry.cid
  } catch (err) {
    request.signal.throwIfAborted()
    return undefined
  }
}

/**
 * As far down `path` as plain directories lead, each decoded once per node
 * (`DirectoryCache`): the CID reached and the path left, for the exporter to
 * finish (the file, a HAMT shard, a name not there). Segments are split as
 * the exporter splits them; one with an escaped slash is left to it.
 */
export async function throughDirectories (directories: DirectoryCache, root: CID, path: string, blocks: ReadableBlocks & Partial<Pick<SiteBlocks, 'arrival'>>, options: AbortOptions & ProgressOptions): Promise<{ cid: CID, rest: string }> {
  const names = path.split(/(?<!\\)\//g).filter(Boolean)
  let cid = root
  let walked = 0
  while (walked < names.length && !names[walked].includes('\\')) {
    // a directory decoded before may still be on its way in a site CAR: what it links to is waited for there only once it came
    await blocks.arrival?.(cid, options)
    const next = (await directories.get(cid, blocks, options))?.get(names[walked])
    if (next == null) {
      break
    }
    cid = next
    walked++
  }
  return { cid, rest: names.slice(walked).map(name => `/${name}`).join('') }
}

/** `bytes=N-` or `bytes=N-M` as a range to fetch; anything else (suffix, multi) fetches the whole file. */
export function simpleRange (range: string | null): { from: number, to: number | '*' } | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(range?.trim() ?? '')
  if (match == null) {
    return undefined
  }
  const from = Number(match[1])
  const to = match[2] === '' ? '*' : Number(match[2])
  return Number.isSafeInteger(from) && (to === '*' || (Number.isSafeInteger(to) && to >= from)) ? { from, to } : undefined
}
