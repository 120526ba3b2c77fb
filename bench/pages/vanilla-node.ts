import { withHTTP } from '@helia/http'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import { noDns } from '../../src/node/no-dns.ts'
import type { VerifiedFetch } from '@helia/verified-fetch'

/**
 * Vanilla @helia/verified-fetch as its documentation sets it up over HTTP: a
 * light Helia node with the trustless-gateway broker and the delegated
 * router, both pointed at the benchmark's `edge` (and nothing else), blocks
 * in memory. The bench's page (vanilla.ts) and service worker (vanilla-sw.ts)
 * both run this.
 */
export async function startVanillaVerifiedFetch (edge: string): Promise<VerifiedFetch> {
  const helia = withHTTP(createHeliaLight({ dns: noDns() }), {
    delegatedRouters: [edge],
    recursiveGateways: [edge],
    allowInsecure: true,
    allowLocal: true
  })
  await helia.start()
  return createVerifiedFetchWithHelia(helia)
}
