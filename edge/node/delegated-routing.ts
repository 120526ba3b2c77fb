import { base58btc } from 'multiformats/bases/base58'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { BadRequestError, NotFoundError } from './errors.ts'
import type { HttpRoute, RouteRequest } from './http-server.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

/** A peer record of the delegated routing v1 API */
export interface PeerRecord {
  Schema: 'peer'
  ID: string
  Addrs: string[]
  Protocols: string[]
}

export interface DelegatedRoutingComponents {
  blockstore: Blockstore
  /** The edge's own record; it is the only provider and the only peer it knows */
  self(): PeerRecord
}

const PREFIX = '/routing/v1/'
const CACHE_CONTROL = 'public, max-age=15'

/**
 * Delegated routing v1 (`/routing/v1/…`) for what this edge holds. It knows one
 * provider, itself, and answers for a CID only when it holds that block, so a
 * browser asking it never learns of content it cannot then fetch.
 */
export function delegatedRouting (components: DelegatedRoutingComponents): HttpRoute {
  return {
    id: 'delegated-routing',
    canHandle: (url) => url.pathname.startsWith(PREFIX),
    handle: async (request) => {
      const [kind = '', key = '', ...rest] = request.url.pathname.slice(PREFIX.length).split('/')

      if (kind === 'providers' && key !== '' && rest.length === 0) {
        await sendProviders(components, decodeURIComponent(key), request)
      } else if (kind === 'peers' && key !== '' && rest.length === 0) {
        sendPeer(components, decodeURIComponent(key), request)
      } else if (kind === 'ipns' && key !== '' && rest.length === 0) {
        // the edge publishes and resolves no IPNS records (yet)
        sendNotFound(request)
      } else {
        throw new NotFoundError(`${request.url.pathname} is not a delegated routing v1 endpoint`)
      }
    }
  }
}

async function sendProviders (components: DelegatedRoutingComponents, key: string, request: RouteRequest): Promise<void> {
  let cid: CID
  try {
    cid = CID.parse(key)
  } catch {
    throw new BadRequestError(`invalid CID "${key}"`)
  }

  if (!(await holds(components.blockstore, cid, { signal: request.signal }))) {
    sendNotFound(request)
    return
  }

  sendRecords([components.self()], 'Providers', request)
}

function sendPeer (components: DelegatedRoutingComponents, key: string, request: RouteRequest): void {
  const self = components.self()
  if (key !== self.ID && !isSamePeer(key, self.ID)) {
    sendNotFound(request)
    return
  }
  sendRecords([self], 'Peers', request)
}

function sendRecords (records: PeerRecord[], field: 'Providers' | 'Peers', { req, res, head }: RouteRequest): void {
  const ndjson = (req.headers.accept ?? '').includes('application/x-ndjson')
  const body = ndjson
    ? records.map(record => `${JSON.stringify(record)}\n`).join('')
    : JSON.stringify({ [field]: records })

  res.writeHead(200, {
    'Content-Type': ndjson ? 'application/x-ndjson' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': CACHE_CONTROL,
    Vary: 'Accept'
  })
  res.end(head ? undefined : body)
}

/** The spec's "no records": 404 with an empty body */
function sendNotFound ({ res }: RouteRequest): void {
  res.writeHead(404, { 'Content-Length': 0, 'Cache-Control': CACHE_CONTROL })
  res.end()
}

async function holds (blockstore: Blockstore, cid: CID, options: AbortOptions): Promise<boolean> {
  try {
    return await blockstore.has(cid, options)
  } catch {
    return false
  }
}

/** A peer id may also be written as a CIDv1 (libp2p-key) */
function isSamePeer (key: string, selfId: string): boolean {
  try {
    const asCid = CID.parse(key)
    const self = base58btc.decode(`z${selfId}`)
    return equals(asCid.multihash.bytes, self)
  } catch {
    return false
  }
}
