import { InvalidRequestError } from '../errors.ts'

/** What `?format=` names, as the media type verified-fetch negotiates on. */
const FORMAT_MEDIA_TYPES: Record<string, string> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  tar: 'application/x-tar',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
  'ipns-record': 'application/vnd.ipfs.ipns-record'
}

const MEDIA_TYPE_CAR = 'application/vnd.ipld.car'

/** CAR response parameters a query may set, each beating the same parameter in `Accept`. */
const CAR_QUERY_PARAMS: Array<[query: string, param: string]> = [
  ['car-version', 'version'],
  ['car-order', 'order'],
  ['car-dups', 'dups']
]

/**
 * The `Accept` value a request means. `?format=` beats the header (a link
 * cannot set headers, so the URL must be able to say what it wants), and the
 * `car-*` query parameters beat the matching parameters of a CAR media type.
 * A browser's own `Accept: *∕*` means no preference. Unknown formats are 400.
 */
export function effectiveAccept (query: URLSearchParams, accept: string | null): string | null {
  const format = query.get('format')
  let value = accept
  if (format != null && format !== '') {
    const mediaType = FORMAT_MEDIA_TYPES[format]
    if (mediaType == null) {
      throw new InvalidRequestError(`Unknown format "${format}"; expected one of ${Object.keys(FORMAT_MEDIA_TYPES).join(', ')}`)
    }
    // keep the header's CAR parameters when the URL only names the format
    const fromHeader = mediaType === MEDIA_TYPE_CAR ? carParams(accept) : new Map<string, string>()
    value = formatMediaType(mediaType, fromHeader)
  }
  if (value == null || mediaTypeOf(value) !== MEDIA_TYPE_CAR) {
    return value
  }
  const params = carParams(value)
  for (const [name, param] of CAR_QUERY_PARAMS) {
    const fromQuery = query.get(name)
    if (fromQuery != null && fromQuery !== '') {
      params.set(param, fromQuery)
    }
  }
  return formatMediaType(MEDIA_TYPE_CAR, params)
}

/** The first media type of an Accept value, lower-cased, without parameters. */
export function mediaTypeOf (accept: string): string {
  return (accept.split(',')[0] ?? '').split(';')[0].trim().toLowerCase()
}

/** True when the client asked for this media type by name (not through a wildcard). */
export function acceptsExplicitly (accept: string | null, mediaType: string): boolean {
  return (accept ?? '').split(',').some(part => part.split(';')[0].trim().toLowerCase() === mediaType)
}

function carParams (accept: string | null): Map<string, string> {
  const params = new Map<string, string>()
  const car = (accept ?? '').split(',').find(part => part.split(';')[0].trim().toLowerCase() === MEDIA_TYPE_CAR)
  for (const param of car?.split(';').slice(1) ?? []) {
    const [name, value] = param.split('=').map(s => s.trim())
    if (name !== '' && value != null) {
      params.set(name.toLowerCase(), value)
    }
  }
  return params
}

function formatMediaType (mediaType: string, params: Map<string, string>): string {
  return [mediaType, ...[...params].map(([name, value]) => `${name}=${value}`)].join('; ')
}
