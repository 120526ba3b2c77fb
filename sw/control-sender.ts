import { isSharedOriginContent } from '../src/lib/subdomain-gateway.ts'

/**
 * Whether a message's sender may steer the SW (register its tab peer, say
 * the edge list changed): a window of the origin that is not path-form
 * content on a shared origin. Such content is served sandboxed without
 * scripts, so it cannot post at all; this is the second wall, should a
 * browser ever run one of its scripts. Workers and messages with no source
 * are refused too: only pages register peers and change edges.
 */
export function mayControl (source: unknown, gatewayHost: string): boolean {
  if (source == null || typeof source !== 'object') {
    return false
  }
  const { type, url } = source as Partial<Client>
  if (type !== 'window' || typeof url !== 'string') {
    return false
  }
  try {
    return !isSharedOriginContent(new URL(url), gatewayHost)
  } catch {
    return false
  }
}
