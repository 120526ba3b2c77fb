import { ContentError, InvalidRequestError } from '../../lib/errors.ts'

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

/**
 * The media types verified-fetch answers in. It takes a requested type that
 * merely contains one of them (`application/vnd.ipld.rawr`) for it, so such
 * near misses are taken out of `Accept` before it sees them.
 */
const PRODUCED_MEDIA_TYPES = [...Object.values(FORMAT_MEDIA_TYPES), 'application/octet-stream', 'application/vnd.ipld.dag-pb']

/** The values a CAR request's query parameters may take; anything else is a 400, not a guess. */
const CAR_QUERY_VALUES: Record<string, RegExp> = {
  'dag-scope': /^(block|entity|all)$/,
  'entity-bytes': /^-?\d{1,16}:(-?\d{1,16}|\*)$/,
  'car-version': /^1$/,
  'car-order': /^(dfs|unk)$/,
  'car-dups': /^(y|n)$/
}

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
 * A browser's own `Accept: *∕*` means no preference. Unknown formats, and
 * CAR parameters with values the spec does not define, are 400. Query
 * parameters the gateway does not know are ignored, as HTTP gateways do.
 */
export function effectiveAccept (query: URLSearchParams, accept: string | null): string | null {
  const format = query.get('format')
  let value: string | null
  if (format == null || format === '') {
    value = withoutNearMisses(accept)
  } else {
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
  checkCarQuery(query)
  const params = carParams(value)
  for (const [name, param] of CAR_QUERY_PARAMS) {
    const fromQuery = query.get(name)
    if (fromQuery != null && fromQuery !== '') {
      params.set(param, fromQuery)
    }
  }
  return formatMediaType(MEDIA_TYPE_CAR, params)
}

/** `Accept` without media ranges that only contain a type we produce; 406 when nothing is left. */
function withoutNearMisses (accept: string | null): string | null {
  if (accept == null) {
    return null
  }
  const ranges = accept.split(',')
  const kept = ranges.filter(range => {
    const type = range.split(';')[0].trim().toLowerCase()
    return !PRODUCED_MEDIA_TYPES.some(produced => type !== produced && type.includes(produced))
  })
  if (kept.length === ranges.length) {
    return accept
  }
  if (kept.length === 0) {
    throw new ContentError(`None of the formats asked for (Accept: ${accept.slice(0, 200)}) can be produced`, 406)
  }
  return kept.map(range => range.trim()).join(', ')
}

function checkCarQuery (query: URLSearchParams): void {
  for (const [name, valid] of Object.entries(CAR_QUERY_VALUES)) {
    const value = query.get(name)
    if (value != null && value !== '' && !valid.test(value)) {
      throw new InvalidRequestError(`Invalid ${name} "${value.slice(0, 80)}"`)
    }
  }
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
