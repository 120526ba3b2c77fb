import { IPNSEntry } from '@helia/ipns'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { NameNotFoundError, NameResolutionError } from '../lib/errors.ts'
import { keyDigest } from '../lib/parse-gateway-url.ts'
import type { ContentAddress, NameAddress } from '../lib/parse-gateway-url.ts'
import type { DNSLink } from '@helia/dnslink'
import type { IPNSResolver } from '@helia/ipns'
import type { AbortOptions } from '@libp2p/interface'

/** What resolves mutable names: IPNS records (verified here) and DNSLink TXT records. */
export interface NameResolvers {
  ipns: IPNSResolver
  dnsLink: DNSLink
  /**
   * The routing endpoints IPNS records are asked for, named in the error
   * when none has a record
   *
   * @default unnamed
   */
  ipnsSources?: readonly string[]
  /**
   * The DNS-over-HTTPS endpoint DNSLink names are looked up at, named in
   * the error when a lookup finds nothing
   *
   * @default unnamed
   */
  dnsResolver?: string
}

export interface ResolvedName {
  /** The immutable content the name points to, with the request's path and query appended */
  address: ContentAddress
  /** How long the answer may be cached, in seconds (the record's TTL) */
  ttl: number
  /** When the IPNS record stops being valid, if it says */
  expires?: Date
}

/** An IPNS record's TTL when it states none (the spec's default). */
const DEFAULT_TTL_SECONDS = 5 * 60

/** DNSLink may point at IPNS names that point at DNSLink…: stop somewhere. */
const MAX_DEPTH = 8

/**
 * Resolves `/ipns/<name>/<path>` to the `/ipfs/` address it currently names.
 * IPNS records come from the edges' delegated routing and are checked here
 * (signature by the name's key, validity); a record that fails is never used.
 * The TTL returned is the smallest along the way, so a response is never
 * cached longer than any record it rests on.
 */
export async function resolveName (resolvers: NameResolvers, address: NameAddress, options: AbortOptions = {}): Promise<ResolvedName> {
  options.signal?.throwIfAborted()
  let name = address.name
  let kind = address.kind
  let path = ''
  let ttl = Number.POSITIVE_INFINITY
  let expires: Date | undefined
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    let value: string
    if (kind === 'key') {
      const resolved = await resolveKey(resolvers, name, options)
      value = resolved.value
      ttl = Math.min(ttl, resolved.ttl)
      expires = resolved.expires == null || (expires != null && expires < resolved.expires) ? expires : resolved.expires
    } else {
      const resolved = await resolveDnsLink(resolvers, name, options)
      value = resolved.value
      ttl = Math.min(ttl, resolved.ttl)
    }
    const [, namespace = '', root = '', ...rest] = value.split('/')
    path = joinPath(rest.length > 0 ? `/${rest.join('/')}` : '', path)
    if (namespace === 'ipfs') {
      let cid: CID
      try {
        cid = CID.parse(root)
      } catch {
        throw new NameResolutionError(`${address.name} points to an invalid CID: ${root}`)
      }
      return {
        address: { protocol: 'ipfs', cid, path: joinPath(path, address.path), search: address.search },
        ttl: Number.isFinite(ttl) ? ttl : DEFAULT_TTL_SECONDS,
        expires
      }
    }
    if (namespace !== 'ipns' || root === '') {
      throw new NameResolutionError(`${address.name} points to ${value}, which is not an /ipfs/ or /ipns/ path`)
    }
    name = root
    kind = root.includes('.') ? 'dnslink' : 'key'
  }
  throw new NameResolutionError(`${address.name} did not resolve to content within ${MAX_DEPTH} steps`)
}

/** A marshalled IPNS record's TTL in seconds (the signed CBOR data's, as V2 readers must use). */
export function recordTtlSeconds (record: Uint8Array): number {
  try {
    const entry = IPNSEntry.decode(record)
    const data = entry.data == null ? undefined : dagCbor.decode<{ TTL?: number | bigint }>(entry.data)
    const ttl = data?.TTL ?? entry.ttl
    return ttl == null ? DEFAULT_TTL_SECONDS : Math.round(Number(BigInt(ttl) / 1_000_000_000n))
  } catch {
    return DEFAULT_TTL_SECONDS
  }
}

async function resolveKey (resolvers: NameResolvers, name: string, options: AbortOptions): Promise<{ value: string, ttl: number, expires?: Date }> {
  let last: Awaited<ReturnType<IPNSResolver['resolve']> extends AsyncIterable<infer T> ? T : never> | undefined
  try {
    // one step only: the loop in resolveName follows what the record points to
    for await (const result of resolvers.ipns.resolve(keyDigest(name), options)) {
      last = result
      break
    }
  } catch (err: any) {
    options.signal?.throwIfAborted()
    const asked = `asked ${listOf(resolvers.ipnsSources, 'the configured routing endpoints')}`
    if (err?.name === 'RecordNotFoundError') {
      throw new NameNotFoundError(`The IPNS name ${name} did not resolve: no IPNS record was found for it (${asked})`)
    }
    throw new NameResolutionError(`The IPNS name ${name} did not resolve: ${err.message ?? err} (${asked})`)
  }
  if (last == null) {
    throw new NameNotFoundError(`The IPNS name ${name} did not resolve: no IPNS record was found for it`)
  }
  const { record, value } = last
  const ttl = recordTtlSeconds(IPNSEntry.encode(record))
  const validity = record.validity == null ? undefined : new Date(new TextDecoder().decode(record.validity))
  return { value, ttl, expires: validity == null || Number.isNaN(validity.getTime()) ? undefined : validity }
}

async function resolveDnsLink (resolvers: NameResolvers, domain: string, options: AbortOptions): Promise<{ value: string, ttl: number }> {
  let results
  try {
    results = await resolvers.dnsLink.resolve(domain, options)
  } catch (err: any) {
    options.signal?.throwIfAborted()
    const asked = `asked ${resolvers.dnsResolver ?? 'the configured DNS resolver'}`
    if (isMissingDnsLink(err)) {
      throw new NameNotFoundError(`The DNSLink name ${domain} did not resolve: no TXT record "dnslink=/ipfs/…" at _dnslink.${domain} (${asked})`)
    }
    throw new NameResolutionError(`The DNSLink name ${domain} could not be looked up: ${causesOf(err)} (${asked})`)
  }
  const result = results[0]
  if (result == null) {
    throw new NameNotFoundError(`The DNSLink name ${domain} did not resolve: no TXT record "dnslink=/ipfs/…" at _dnslink.${domain}`)
  }
  const value = result.namespace === 'ipfs'
    ? `/ipfs/${result.cid.toString()}${result.path}`
    : `/ipns/${CID.createV1(0x72, result.value).toString()}${result.path}`
  return { value, ttl: result.answer.TTL }
}

/**
 * The lookup was answered, and the answer is that there is no DNSLink: no
 * TXT record at all (an empty answer from every resolver, NXDOMAIN), or
 * none that is a DNSLink. Anything else (a resolver that could not be
 * reached or none configured) is a failure to look the name up.
 */
function isMissingDnsLink (err: any): boolean {
  if (err?.name === 'DNSLinkNotFoundError' || err?.code === 'ENOTFOUND' || err?.code === 'ENODATA') {
    return true
  }
  const causes: unknown[] = Array.isArray(err?.errors) ? err.errors : []
  return err?.name === 'DNSQueryFailedError' && causes.length > 0 && causes.every((cause: any) => cause?.name === 'EmptyDNSAnswerError')
}

/** What went wrong, in the resolver's words: an aggregate's causes rather than its summary ("lookup of … 16 failed"). */
function causesOf (err: any): string {
  const causes: unknown[] = Array.isArray(err?.errors) ? err.errors : []
  const messages = causes.map((cause: any) => String(cause?.message ?? cause)).filter(message => message !== '')
  return messages.length > 0 ? [...new Set(messages)].join('; ') : String(err?.message ?? err)
}

function listOf (items: readonly string[] | undefined, unnamed: string): string {
  return items == null || items.length === 0 ? unnamed : items.join(', ')
}

/** Joins two paths, each '' or starting with '/'; a trailing slash on the second is kept (directory URLs). */
function joinPath (a: string, b: string): string {
  const head = a.replace(/\/+$/, '')
  return head === '' ? b : b === '' ? head : `${head}${b}`
}
