import { verifyAnnouncement } from '../../src/lib/provider-announcement.ts'
import { ANNOUNCEMENT_LIMITS } from './defaults.ts'
import { BadRequestError, PayloadTooLargeError } from './errors.ts'
import type { RouteRequest } from './http-server.ts'
import type { ProviderTable } from './provider-table.ts'

/**
 * `PUT /routing/v1/providers` (and `POST`, the method later drafts use): a
 * peer announces blocks it can serve, in the `announcement` schema of the
 * delegated routing write API. Every record must be signed by its peer; one
 * bad record fails the request before any is stored.
 */
export async function announceProviders (table: ProviderTable, request: RouteRequest): Promise<void> {
  const body = await readBody(request, ANNOUNCEMENT_LIMITS.maxBodyBytes)
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new BadRequestError('the body must be JSON: {"Providers": [announcement, …]}')
  }
  const records = (parsed as { Providers?: unknown } | null)?.Providers
  if (!Array.isArray(records) || records.length === 0 || records.length > 100) {
    throw new BadRequestError('"Providers" must list 1 to 100 announcements')
  }
  const verified = []
  for (const record of records) {
    try {
      verified.push(await verifyAnnouncement(record, { maxCids: ANNOUNCEMENT_LIMITS.maxCidsPerAnnouncement }))
    } catch (err: any) {
      throw new BadRequestError(err.message)
    }
  }
  const now = Date.now()
  verified.forEach(announcement => { table.add(announcement, now) })
  const result = JSON.stringify({ ProvideResults: verified.map(a => ({ Schema: 'announcement', ID: a.peerId, CIDs: a.cids.length })) })
  request.res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(result),
    'Cache-Control': 'no-store'
  })
  request.res.end(result)
}

async function readBody ({ req }: RouteRequest, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    throw new PayloadTooLargeError(`the body is over ${limit} bytes`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength
    if (size > limit) {
      throw new PayloadTooLargeError(`the body is over ${limit} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
