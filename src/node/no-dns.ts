import { dns } from '@multiformats/dns'
import type { DNS } from '@multiformats/dns'

export class NoDnsResolverError extends Error {
  static name = 'NoDnsResolverError'
  name = 'NoDnsResolverError'
}

/**
 * A DNS client with no resolvers. Helia and libp2p default to public
 * DNS-over-HTTPS services; Edgeway reaches nothing that is not configured, so
 * a name that needs a DNS lookup (a /dnsaddr edge) fails with a clear error
 * instead of quietly asking a third party.
 */
export function noDns (): DNS {
  return dns({
    resolvers: {
      '.': async (domain: string) => {
        throw new NoDnsResolverError(`No DNS resolver is configured, so "${domain}" cannot be looked up; give edges as /dns4, /ip4 or https:// addresses`)
      }
    }
  })
}
