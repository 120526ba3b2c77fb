/**
 * The shapes of the gateway conformance corpus (`cases.json`, format
 * `gateway-conformance-cases/1`); its README is the reference for what each check means.
 */

export interface HeaderCheck {
  equals?: string
  /** every substring must be present */
  contains?: string | string[]
  /** an unanchored ECMAScript regular expression */
  matches?: string
  exists?: boolean
  /** present, with a non-empty value */
  not_empty?: boolean
  /** absent, or present with an empty value */
  empty?: boolean
  /** comma-separated, trimmed, compared case-insensitively */
  has_tokens?: string[]
  /** the value's `max-age` directive is at least this */
  max_age_at_least?: number
}

export interface ExactBody {
  length: number
  sha256: string
  base64: string
  utf8?: string
}

export type CarMatch = 'exact-ordered' | 'exact-any-order' | 'includes'

export interface TarEntryCheck {
  name: string
  content_utf8?: string
}

export interface BodyCheck {
  exact?: ExactBody
  contains?: string[]
  not_contains?: string[]
  contains_base64?: string[]
  json_equals?: unknown
  empty?: boolean
  car?: { blocks: string[], match: CarMatch }
  tar?: { entries: TarEntryCheck[] }
  ipns_record?: { name: string, value: string }
}

export interface Alternative {
  status?: number
  status_range?: [number, number]
  headers?: Record<string, HeaderCheck>
  body?: BodyCheck
}

export interface Expect extends Alternative {
  /** every other check must pass, and at least one alternative in full */
  any_of?: Alternative[]
}

export type Origin = { kind: 'path' } | { kind: 'subdomain', host_prefix: string }

export interface ConformanceRequest {
  method: 'GET' | 'HEAD' | 'OPTIONS'
  origin: Origin
  /** already percent-encoded: sent as it is */
  path: string
  path_decoded?: string
  query?: Record<string, string>
  /** path plus encoded query: what goes on the wire */
  target: string
  /** values may hold `{{etag_value:<id>}}` or `{{etag_header:<id>}}` */
  headers?: Record<string, string>
}

export interface ConformanceCase {
  id: string
  category: string
  spec: string[]
  source: { file: string, test: string, name: string }
  derived: boolean
  /** relative to the corpus' `fixtures_root` */
  fixtures: string[]
  request: ConformanceRequest
  expect: Expect
  /** reported, never failing */
  informative?: Expect
  added_checks?: string[]
  tags?: string[]
  notes?: string
}

export interface ConformanceCorpus {
  format: string
  source: unknown
  fixtures_root: string
  counts: { total: number, by_category: Record<string, number> }
  cases: ConformanceCase[]
}

/** A response as the client saw it. */
export interface Observed {
  status: number
  /** names in any case; a header sent more than once is either joined with ", " already or given as several pairs */
  headers: Record<string, string> | Array<[string, string]>
  body: Uint8Array
}
