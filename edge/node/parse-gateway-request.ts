import { CID } from 'multiformats/cid'
import { BadRequestError, NotAcceptableError } from './errors.ts'
import type { IncomingHttpHeaders } from 'node:http'

export type ResponseFormat = 'raw' | 'car'
export type DagScope = 'all' | 'entity' | 'block'

export interface GatewayRequest {
  cid: CID
  /** The path after the CID, `''` or starting with `/`, percent-decoded */
  path: string
  format: ResponseFormat
  dagScope: DagScope
}

export const RAW_CONTENT_TYPE = 'application/vnd.ipld.raw'
export const CAR_CONTENT_TYPE = 'application/vnd.ipld.car'

const FORMAT_BY_MEDIA_TYPE: Record<string, ResponseFormat> = {
  [RAW_CONTENT_TYPE]: 'raw',
  [CAR_CONTENT_TYPE]: 'car'
}

const NOT_A_PATH_GATEWAY = 'this is a trustless gateway: ask for application/vnd.ipld.raw or application/vnd.ipld.car (Accept header, or ?format=raw|car); it does not serve deserialized files'

/**
 * Reads `/ipfs/<cid>[/<path>]` plus `?format=`/`Accept` and `?dag-scope=` into a
 * request the trustless gateway can answer. Throws `BadRequestError` for a bad
 * CID, path or parameter and `NotAcceptableError` when no format it produces
 * was asked for.
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

  const dagScope = url.searchParams.get('dag-scope') ?? 'all'
  if (dagScope !== 'all' && dagScope !== 'entity' && dagScope !== 'block') {
    throw new BadRequestError(`invalid dag-scope "${dagScope}"; use all, entity or block`)
  }

  return { cid, path, format, dagScope }
}

/**
 * `?format=` wins over `Accept`. Among Accept entries the highest `q` wins,
 * earlier entries breaking ties; CAR versions other than 1 are not offered.
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
      } else if (key === 'version' && format === 'car' && value !== '1') {
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
