import { RecordType } from '@multiformats/dns'
import type { Answer, DNSResponse } from '@multiformats/dns'
import type { DNSResolver } from '@multiformats/dns/resolvers'

/** What a record keeps when the server gives no TTL */
const DEFAULT_TTL = 60

interface JsonAnswer { name: string, type: number, TTL?: number, ttl?: number, data: string }
interface JsonResponse {
  Status?: number
  TC?: boolean
  RD?: boolean
  RA?: boolean
  AD?: boolean
  CD?: boolean
  Question?: Array<{ name: string, type: number }>
  Answer?: JsonAnswer[]
}

/**
 * DNS over HTTPS in its JSON form (`?name=…&type=TXT`, `Accept:
 * application/dns-json`), the one resolver DNSLink uses (the configured
 * `dohResolver`). `@multiformats/dns/resolvers` has the same, beside a
 * wire-format resolver whose DNS packet parser a SW would then parse on
 * every start for nothing. Records are mapped as that module maps them.
 */
export function dohJsonResolver (url: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): DNSResolver {
  return async (fqdn, options = {}) => {
    const search = new URLSearchParams({ name: fqdn })
    const types = options.types == null ? [RecordType.A] : Array.isArray(options.types) ? options.types : [options.types]
    // the type as a name: some servers (Cloudflare) mishandle numbers
    ;(types.length === 0 ? [RecordType.A] : types).forEach(type => { search.append('type', RecordType[type]) })
    const response = await fetchImpl(`${url}?${search}`, { headers: { accept: 'application/dns-json' }, signal: options.signal })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new Error(`Unexpected HTTP status: ${response.status} - ${response.statusText}`)
    }
    const json = await response.json() as JsonResponse
    const typed = <T extends { type: number }>(record: T): T & { type: RecordType } => ({ ...record, type: RecordType[record.type] as unknown as RecordType })
    return {
      Status: json.Status ?? 0,
      TC: json.TC ?? false,
      RD: json.RD ?? false,
      RA: json.RA ?? false,
      AD: json.AD ?? false,
      CD: json.CD ?? false,
      Question: (json.Question ?? []).map(question => typed({ name: question.name, type: question.type })),
      Answer: (json.Answer ?? []).map((answer): Answer => typed({ name: answer.name, type: answer.type, TTL: answer.TTL ?? answer.ttl ?? DEFAULT_TTL, data: answer.data }))
    } satisfies DNSResponse
  }
}
