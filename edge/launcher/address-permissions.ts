import { isInsecureEdge, isLocalEdge, isLocalHost } from '../../src/lib/address-policy.ts'
import type { EdgeEndpoint } from '../../src/lib/types.ts'

/**
 * What the gateway's browsers may reach, from what `npm start` was given: a
 * loopback/private edge or router allows loopback/private sources
 * (`allowLocal`), an http:// or ws:// one allows sources without TLS
 * (`allowInsecure`). A local router lists local providers, as a local edge
 * is one: both are the user's explicit choice.
 */
export function addressPermissions (edges: readonly EdgeEndpoint[], routers: readonly string[]): { allowLocal: boolean, allowInsecure: boolean } {
  const routerUrls = routers.map(router => new URL(router))
  return {
    allowLocal: edges.some(isLocalEdge) || routerUrls.some(router => isLocalHost(router.hostname)),
    allowInsecure: edges.some(isInsecureEdge) || routerUrls.some(router => router.protocol === 'http:')
  }
}
