import { canonicalKeyName, toGatewayPath, toIpfsUrl } from '../../lib/parse-gateway-url.ts'
import { recordTtlSeconds } from '../resolve-name.ts'
import { effectiveAccept, mediaTypeOf } from './negotiate.ts'
import type { ContentFetcherComponents } from '../content-fetcher.ts'
import type { GatewayAddress, NameAddress } from '../../lib/parse-gateway-url.ts'
import type { ResolvedName } from '../resolve-name.ts'

const MEDIA_TYPE_IPNS_RECORD = 'application/vnd.ipfs.ipns-record'

/**
 * What answers an /ipns/ request before any resolving: a redirect from a
 * peer-id name to its canonical CID form, or the signed record itself
 * (`?format=ipns-record`), which the client verifies on its own.
 */
export async function nameResponse (node: Pick<ContentFetcherComponents, 'verifiedFetch' | 'config'>, requested: NameAddress, options: { method?: string, headers?: Headers, signal?: AbortSignal }): Promise<Response | undefined> {
  const canonical = canonicalKeyName(requested.name)
  if (canonical != null) {
    return new Response(null, { status: 302, headers: { Location: toGatewayPath({ ...requested, name: canonical }) } })
  }
  const wanted = effectiveAccept(new URLSearchParams(requested.search), options.headers?.get('accept') ?? null)
  if (wanted != null && mediaTypeOf(wanted) === MEDIA_TYPE_IPNS_RECORD) {
    const response = await node.verifiedFetch(toIpfsUrl(requested), { headers: { accept: MEDIA_TYPE_IPNS_RECORD }, signal: options.signal ?? AbortSignal.timeout(node.config.timeoutMs) })
    if (!response.ok) {
      return response
    }
    // cacheable for as long as the record says, like any answer resting on it
    const record = new Uint8Array(await response.arrayBuffer())
    const headers = new Headers(response.headers)
    headers.set('Cache-Control', `public, max-age=${recordTtlSeconds(record)}`)
    return new Response(options.method === 'HEAD' ? null : record, { status: 200, headers })
  }
  return undefined
}

/** A response for a mutable name says so: its path, and a lifetime no longer than the record's. */
export function nameHeaders (headers: Headers, requested: GatewayAddress, name: ResolvedName | undefined): Headers {
  if (requested.protocol !== 'ipns' || name == null) {
    return headers
  }
  headers.set('X-Ipfs-Path', `/ipns/${requested.name}${requested.path}`)
  headers.set('Cache-Control', `public, max-age=${name.ttl}`)
  if (name.expires != null) {
    headers.set('Expires', name.expires.toUTCString())
  }
  return headers
}
