import { verifyAnnouncement } from '../../src/lib/provider-announcement.ts'
import { REFUSAL_STATUS } from './announcement-refusals.ts'
import { clientKey } from './client-key.ts'
import { ANNOUNCEMENT_LIMITS } from './defaults.ts'
import { BadRequestError, PayloadTooLargeError } from './errors.ts'
import { readRequestBody } from './read-request-body.ts'
import type { RouteRequest } from './http-server.ts'
import type { ProviderTable } from './provider-table.ts'
import type { VerifiedAnnouncement } from '../../src/lib/provider-announcement.ts'
import type { ServerResponse } from 'node:http'

/** What one announcement may carry (record caps); a larger one is refused with 400 */
const RECORD_LIMITS = {
  maxCids: ANNOUNCEMENT_LIMITS.maxCidsPerAnnouncement,
  maxAddrs: ANNOUNCEMENT_LIMITS.maxAddrs,
  maxAddrChars: ANNOUNCEMENT_LIMITS.maxAddrChars,
  maxProtocols: ANNOUNCEMENT_LIMITS.maxProtocols,
  maxProtocolChars: ANNOUNCEMENT_LIMITS.maxProtocolChars
}

/**
 * `PUT /routing/v1/providers` (and `POST`, the method later drafts use): a
 * peer announces blocks it can serve, in the `announcement` schema of the
 * delegated routing write API. Every record must be signed by its peer, be
 * within the record caps and carry a Seq; one bad record fails the request
 * (400) before any is stored. The table may refuse them all: 403 for a peer
 * with no connection here (checked first, as it is the cheapest), 409 for a
 * Seq not above the last one, 429 for a client holding too many peer ids; the
 * answer names the reason in JSON.
 */
export async function announceProviders (table: ProviderTable, request: RouteRequest): Promise<void> {
  const limit = ANNOUNCEMENT_LIMITS.maxBodyBytes
  const body = (await readRequestBody(request, limit, () => new PayloadTooLargeError(`the body is over ${limit} bytes`))).toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new BadRequestError('the body must be JSON: {"Providers": [announcement, …]}')
  }
  const records = (parsed as { Providers?: unknown } | null)?.Providers
  const most = ANNOUNCEMENT_LIMITS.maxAnnouncementsPerRequest
  if (!Array.isArray(records) || records.length === 0 || records.length > most) {
    throw new BadRequestError(`"Providers" must list 1 to ${most} announcements`)
  }
  try {
    const verified = await verifyAll(table, records)
    // one client as the connection caps count it (an IPv4 address, an IPv6 /64): a NAT of many is one client
    table.add(verified, { client: clientKey(request.req.socket.remoteAddress ?? '') })
    sendJson(request.res, 200, { ProvideResults: verified.map(a => ({ Schema: 'announcement', ID: a.peerId, CIDs: a.cids.length })) })
  } catch (err: any) {
    const status = REFUSAL_STATUS[err.name]
    if (status == null) throw err
    sendJson(request.res, status, { Error: err.name, Message: err.message })
  }
}

async function verifyAll (table: ProviderTable, records: unknown[]): Promise<VerifiedAnnouncement[]> {
  // a peer with no connection here is refused before any signature is checked: a flood of throw-away keys costs the edge little
  for (const record of records) {
    const id = (record as { Payload?: { ID?: unknown } } | null)?.Payload?.ID
    if (typeof id === 'string') {
      table.checkLive(id)
    }
  }
  const verified: VerifiedAnnouncement[] = []
  for (const record of records) {
    try {
      verified.push(await verifyAnnouncement(record, { limits: RECORD_LIMITS }))
    } catch (err: any) {
      throw new BadRequestError(err.message)
    }
  }
  if (new Set(verified.map(a => a.peerId)).size < verified.length) {
    throw new BadRequestError('at most one announcement per peer in a request')
  }
  return verified
}

function sendJson (res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store'
  })
  res.end(body)
}
