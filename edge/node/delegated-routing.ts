import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { announceProviders } from './announce-providers.ts'
import { IPNS_MAX_AGE, ROUTING_ANSWER_LIMITS } from './defaults.ts'
import { encodeRecords } from './encode-records.ts'
import { BadRequestError, MethodNotAllowedError, NotAcceptableError, NotFoundError } from './errors.ts'
import { parseIpnsName } from './ipns-name.ts'
import type { HttpRoute, RouteRequest } from './http-server.ts'
import type { HeldIpnsRecord, IpnsRecordSource } from './ipns-records.ts'
import type { ProviderTable } from './provider-table.ts'
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
  /** The signed IPNS records the edge was given; it resolves no others */
  ipnsRecords: IpnsRecordSource
  /** The edge's own record; the only peer it knows */
  self(): PeerRecord
  /** Blocks other peers (browsers) announced; the edge lists them as providers without holding the bytes */
  announced: ProviderTable
}

const PREFIX = '/routing/v1/'
const CACHE_CONTROL = 'public, max-age=15'
export const IPNS_RECORD_CONTENT_TYPE = 'application/vnd.ipfs.ipns-record'
/** What an `Accept` header may list for the IPNS record to be acceptable */
const ACCEPTS_IPNS_RECORD = [IPNS_RECORD_CONTENT_TYPE, 'application/*', '*/*']

/**
 * Delegated routing v1 (`/routing/v1/…`) for what this edge holds and what
 * browser peers announced to it (`PUT /routing/v1/providers`). It lists itself
 * for a CID only when it holds that block, and a browser peer only while its
 * signed announcement is current. It resolves an IPNS name only to a record it
 * was given, never by asking anyone else.
 */
export function delegatedRouting (components: DelegatedRoutingComponents): HttpRoute {
  return {
    id: 'delegated-routing',
    canHandle: (url) => url.pathname.startsWith(PREFIX),
    methods: ['GET', 'HEAD', 'PUT', 'POST'],
    handle: async (request) => {
      const [kind = '', key = '', ...rest] = request.url.pathname.slice(PREFIX.length).split('/')
      const write = request.req.method === 'PUT' || request.req.method === 'POST'

      if (write) {
        if (kind !== 'providers' || key !== '') {
          throw new MethodNotAllowedError('only /routing/v1/providers can be written (PUT or POST)')
        }
        await announceProviders(components.announced, request)
      } else if (kind === 'providers' && key !== '' && rest.length === 0) {
        await sendProviders(components, decodeURIComponent(key), request)
      } else if (kind === 'peers' && key !== '' && rest.length === 0) {
        sendPeer(components, decodeURIComponent(key), request)
      } else if (kind === 'ipns' && key !== '' && rest.length === 0) {
        sendIpnsRecord(components, decodeURIComponent(key), request)
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

  // the edge first (it holds the block), then browsers in the table's order (one client at a time): a capped answer keeps the head
  const self = await holds(components.blockstore, cid, { signal: request.signal }) ? [components.self()] : []
  const records = [...self, ...components.announced.providersOf(cid)]
  if (records.length === 0) {
    sendNotFound(request)
    return
  }

  sendRecords(records, 'Providers', request)
}

function sendPeer (components: DelegatedRoutingComponents, key: string, request: RouteRequest): void {
  const self = components.self()
  if (key !== self.ID && !isSamePeer(key, self.ID)) {
    sendNotFound(request)
    return
  }
  sendRecords([self], 'Peers', request)
}

/** The record held for `name`, as the routing spec asks */
function sendIpnsRecord ({ ipnsRecords }: DelegatedRoutingComponents, name: string, request: RouteRequest): void {
  let record: HeldIpnsRecord | undefined
  try {
    record = ipnsRecords.get(name)
  } catch (err: any) {
    throw new BadRequestError(`invalid IPNS name: ${err.message}`)
  }

  if (!acceptsIpnsRecord(request.req.headers.accept)) {
    throw new NotAcceptableError(`an IPNS name resolves to a signed record: ask with Accept: ${IPNS_RECORD_CONTENT_TYPE}`)
  }

  if (record == null) {
    sendNotFound(request, `public, max-age=${IPNS_MAX_AGE.default}`)
    return
  }

  sendHeldIpnsRecord(record, request)
}

/**
 * The record exactly as held, with a `Cache-Control` that follows its TTL and
 * an Etag derived from its bytes; `headers` adds to them (the gateway's
 * `Content-Disposition`).
 */
export function sendHeldIpnsRecord (record: HeldIpnsRecord, { res, head }: RouteRequest, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'Content-Type': IPNS_RECORD_CONTENT_TYPE,
    'Content-Length': record.bytes.byteLength,
    'Cache-Control': `public, max-age=${ipnsMaxAge(record)}`,
    Etag: `"${createHash('sha256').update(record.bytes).digest('base64url')}"`,
    Vary: 'Accept',
    ...headers
  })
  res.end(head ? undefined : record.bytes)
}

/** Seconds a cache may keep `record`: see `IPNS_MAX_AGE` */
export function ipnsMaxAge ({ ttlSeconds, expires }: Pick<HeldIpnsRecord, 'ttlSeconds' | 'expires'>, now: number = Date.now()): number {
  const untilExpiry = expires == null ? Infinity : Math.max(0, (expires.getTime() - now) / 1000)
  return Math.floor(Math.min(ttlSeconds ?? IPNS_MAX_AGE.default, IPNS_MAX_AGE.max, untilExpiry))
}

/** No `Accept` means anything; otherwise it must name the record type or a wildcard over it */
function acceptsIpnsRecord (accept: string | undefined): boolean {
  if (accept == null || accept.trim() === '') {
    return true
  }
  return accept.split(',').some(entry => ACCEPTS_IPNS_RECORD.includes(entry.split(';')[0].trim().toLowerCase()))
}

function sendRecords (records: PeerRecord[], field: 'Providers' | 'Peers', { req, res, head }: RouteRequest): void {
  const ndjson = (req.headers.accept ?? '').includes('application/x-ndjson')
  const body = encodeRecords(records, { field, ndjson, ...ROUTING_ANSWER_LIMITS })

  res.writeHead(200, {
    'Content-Type': ndjson ? 'application/x-ndjson' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': CACHE_CONTROL,
    Vary: 'Accept'
  })
  res.end(head ? undefined : body)
}

/** The spec's "no records": 404 with an empty body */
function sendNotFound ({ res }: RouteRequest, cacheControl: string = CACHE_CONTROL): void {
  res.writeHead(404, { 'Content-Length': 0, 'Cache-Control': cacheControl })
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
    return parseIpnsName(key).key === selfId
  } catch {
    return false
  }
}
