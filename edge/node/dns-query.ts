import { DNSLINK_TTL_SECONDS } from './defaults.ts'
import { BadRequestError, NotImplementedError } from './errors.ts'
import { normaliseDnslinkDomain } from './dnslink.ts'
import type { DnslinkLookup } from './dnslink.ts'
import type { HttpRoute, RouteRequest } from './http-server.ts'

export const DNS_QUERY_PATH = '/dns-query'
export const DNS_JSON_CONTENT_TYPE = 'application/dns-json'

const TXT = 16
const NOERROR = 0
const NXDOMAIN = 3

/** Record types a client may ask for by name; any other is asked by number */
const TYPE_BY_NAME: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT, AAAA: 28, SRV: 33, SVCB: 64, HTTPS: 65, ANY: 255, CAA: 257
}

/** One answer of the JSON API, as Google and Cloudflare write it */
export interface DnsJsonAnswer {
  name: string
  type: number
  TTL: number
  data: string
}

export interface DnsJsonResponse {
  Status: number
  TC: boolean
  RD: boolean
  RA: boolean
  AD: boolean
  CD: boolean
  Question: Array<{ name: string, type: number }>
  Answer?: DnsJsonAnswer[]
}

/**
 * `GET|HEAD /dns-query?name=<name>&type=<TXT|16|…>`: DNS-over-HTTPS in the JSON
 * API of Google and Cloudflare (what `@multiformats/dns`'s `dnsJsonOverHttps`
 * speaks), answered from the edge's DNSLink table only, never by asking a
 * real resolver. A domain in the table, or `_dnslink.` before it, has one TXT
 * record `dnslink=<value>`; other types get no answer; any other name is
 * NXDOMAIN. The RFC 8484 wire format (`?dns=`) is not spoken.
 */
export function dnsQuery (table: DnslinkLookup): HttpRoute {
  return {
    id: 'dns-query',
    canHandle: (url) => url.pathname === DNS_QUERY_PATH,
    handle: async (request) => {
      sendJson(answer(table, request.url.searchParams), request)
    }
  }
}

function answer (table: DnslinkLookup, params: URLSearchParams): DnsJsonResponse {
  if (params.has('dns')) {
    throw new NotImplementedError(`this DNS-over-HTTPS endpoint speaks the JSON API only: ${DNS_QUERY_PATH}?name=<name>&type=TXT`)
  }

  const name = params.get('name') ?? ''
  try {
    normaliseDnslinkDomain(name)
  } catch {
    throw new BadRequestError(`?name= must be a domain name, not "${name}"`)
  }

  const types = params.getAll('type').map(parseType)
  if (types.length === 0) {
    // the JSON API's default
    types.push(TYPE_BY_NAME.A)
  }

  const fqdn = name.endsWith('.') ? name : `${name}.`
  const value = table.lookup(name)
  const response: DnsJsonResponse = {
    Status: value == null ? NXDOMAIN : NOERROR,
    TC: false,
    RD: true,
    RA: true,
    AD: false,
    CD: false,
    Question: types.map(type => ({ name: fqdn, type }))
  }

  if (value != null && types.includes(TXT)) {
    response.Answer = [{ name: fqdn, type: TXT, TTL: DNSLINK_TTL_SECONDS, data: `"dnslink=${value}"` }]
  }
  return response
}

function parseType (text: string): number {
  const type = /^\d+$/.test(text) ? Number(text) : TYPE_BY_NAME[text.toUpperCase()]
  if (type == null || type < 1 || type > 65_535) {
    throw new BadRequestError(`unknown DNS record type "${text}"`)
  }
  return type
}

function sendJson (response: DnsJsonResponse, { res, head }: RouteRequest): void {
  const body = JSON.stringify(response)
  res.writeHead(200, {
    'Content-Type': DNS_JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': `public, max-age=${DNSLINK_TTL_SECONDS}`
  })
  res.end(head ? undefined : body)
}
