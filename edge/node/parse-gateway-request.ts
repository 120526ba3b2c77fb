import { CID } from 'multiformats/cid'
import { BadRequestError, NotAcceptableError } from './errors.ts'
import type { IncomingHttpHeaders } from 'node:http'
import type { DagScope, EntityBytes } from '../../src/lib/car-export/entity-bytes.ts'

export type { DagScope, EntityBytes }
export type ResponseFormat = 'raw' | 'car'

export interface GatewayRequest {
  cid: CID
  /** The path after the CID, `''` or starting with `/`, percent-decoded */
  path: string
  format: ResponseFormat
  dagScope: DagScope
  /**
   * Only with `dagScope` `entity`, which `entity-bytes` implies when no
   * dag-scope is given; with an explicit `block` or `all` it is ignored
   */
  entityBytes?: EntityBytes
}

export const RAW_CONTENT_TYPE = 'application/vnd.ipld.raw'
export const CAR_CONTENT_TYPE = 'application/vnd.ipld.car'

const FORMAT_BY_MEDIA_TYPE: Record<string, ResponseFormat> = {
  [RAW_CONTENT_TYPE]: 'raw',
  [CAR_CONTENT_TYPE]: 'car'
}

/**
 * The CAR variants asked for by `car-version`, `car-order` and `car-dups` (or
 * Accept parameters) that the edge can satisfy. It only writes version 1,
 * depth-first, without duplicates: `order=unk` is satisfied by any order, and
 * `dups=y` is answered without duplicates, which the response's `dups=n` says.
 */
const CAR_PARAMS = new Map([
  ['version', { query: 'car-version', values: ['1'] }],
  ['order', { query: 'car-order', values: ['dfs', 'unk'] }],
  ['dups', { query: 'car-dups', values: ['n', 'y'] }]
])

const ENTITY_BYTES = /^(-?\d+):(-?\d+|\*)$/

const NOT_A_PATH_GATEWAY = 'this is a trustless gateway: ask for application/vnd.ipld.raw or application/vnd.ipld.car (Accept header, or ?format=raw|car); it does not serve deserialized files'

/**
 * Reads `/ipfs/<cid>[/<path>]` plus `?format=`/`Accept`, `?dag-scope=`,
 * `?entity-bytes=` and `?car-version|order|dups=` into a request the trustless
 * gateway can answer. Throws `BadRequestError` for a bad CID, path or
 * parameter and `NotAcceptableError` when no format it produces was asked for.
 */
export function parseGatewayRequest (url: URL, headers: IncomingHttpHeaders): GatewayRequest {
  const [, , cidText = '', ...rest] = url.pathname.split('/')

  let cid: CID
  try {
    cid = CID.parse(decodeURIComponent(cidText))
  } catch {
    throw new BadRequestError(`invalid CID "${cidText}"`)
  }

  let path: string
  try {
    path = rest.filter(segment => segment !== '').map(segment => `/${decodeURIComponent(segment)}`).join('')
  } catch {
    throw new BadRequestError('invalid percent-encoding in the path')
  }

  const format = negotiateFormat(url.searchParams.get('format'), headers.accept)
  if (format === 'raw' && path !== '') {
    throw new BadRequestError('a raw block is addressed by a bare CID: /ipfs/<cid>?format=raw')
  }

  const entityBytesParam = url.searchParams.get('entity-bytes')
  const entityBytes = entityBytesParam == null ? undefined : parseEntityBytes(entityBytesParam)

  const dagScope = url.searchParams.get('dag-scope') ?? (entityBytes == null ? 'all' : 'entity')
  if (dagScope !== 'all' && dagScope !== 'entity' && dagScope !== 'block') {
    throw new BadRequestError(`invalid dag-scope "${dagScope}"; use all, entity or block`)
  }

  for (const { query, values } of CAR_PARAMS.values()) {
    const value = url.searchParams.get(query)
    if (value != null && !values.includes(value)) {
      throw new BadRequestError(`${query}=${value} is not supported; use ${values.join(' or ')} (CARs from this edge are version=1; order=dfs; dups=n)`)
    }
  }

  return dagScope === 'entity' && entityBytes != null
    ? { cid, path, format, dagScope, entityBytes }
    : { cid, path, format, dagScope }
}

/**
 * `from:to` with integer offsets, `to` possibly `*`. A range that is empty
 * whatever the file size (both offsets counted from the same end, `from`
 * after `to`) is refused here; the rest is resolved against the file.
 */
export function parseEntityBytes (text: string): EntityBytes {
  const match = ENTITY_BYTES.exec(text)
  if (match == null) {
    throw new BadRequestError(`invalid entity-bytes "${text}"; use from:to with integer byte offsets (negative ones count from the end) and to possibly *, e.g. 0:1023 or -1024:*`)
  }

  // `+ 0` turns -0 into 0
  const from = Number(match[1]) + 0
  const to = match[2] === '*' ? '*' : Number(match[2]) + 0
  if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) {
    throw new BadRequestError(`entity-bytes "${text}" is out of range`)
  }

  if (to !== '*' && (from < 0) === (to < 0) && from > to) {
    throw new BadRequestError(`invalid entity-bytes "${text}": from is after to`)
  }

  return { from, to }
}

/**
 * `?format=` wins over `Accept`. Among Accept entries the highest `q` wins,
 * earlier entries breaking ties. A CAR entry is not offered when it asks for a
 * version, order or dups the edge cannot satisfy.
 */
export function negotiateFormat (formatParam: string | null, accept: string | undefined): ResponseFormat {
  if (formatParam != null && formatParam !== '') {
    if (formatParam === 'raw' || formatParam === 'car') {
      return formatParam
    }
    throw new NotAcceptableError(`format "${formatParam}" is not supported; ${NOT_A_PATH_GATEWAY}`)
  }

  let best: { format: ResponseFormat, q: number } | undefined
  for (const entry of (accept ?? '').split(',')) {
    const [type = '', ...params] = entry.split(';').map(part => part.trim())
    const format = FORMAT_BY_MEDIA_TYPE[type.toLowerCase()]
    if (format == null) {
      continue
    }

    let q = 1
    let acceptable = true
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map(part => part.trim().toLowerCase())
      if (key === 'q') {
        q = Number(value)
      } else if (format === 'car' && CAR_PARAMS.get(key)?.values.includes(value) === false) {
        acceptable = false
      }
    }

    if (acceptable && q > 0 && (best == null || q > best.q)) {
      best = { format, q }
    }
  }

  if (best == null) {
    throw new NotAcceptableError(NOT_A_PATH_GATEWAY)
  }

  return best.format
}
