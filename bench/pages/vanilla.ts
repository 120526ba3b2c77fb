/**
 * Vanilla @helia/verified-fetch in a page, as its documentation sets it up
 * over HTTP: a light Helia node with the trustless-gateway broker and the
 * delegated router, both pointed at the benchmark's edge (and nothing else).
 * The page URL names the edge: `/pages/vanilla.html?edge=http://127.0.0.1:N`.
 */
import { withHTTP } from '@helia/http'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import { noDns } from '../../src/node/no-dns.ts'

const edge = new URL(location.href).searchParams.get('edge')
if (edge == null) {
  throw new Error('no ?edge= given')
}
const helia = withHTTP(createHeliaLight({ dns: noDns() }), {
  delegatedRouters: [edge],
  recursiveGateways: [edge],
  allowInsecure: true,
  allowLocal: true
})
await helia.start()
const verifiedFetch = await createVerifiedFetchWithHelia(helia)

Object.assign(globalThis, { edgewayBench: { fetch: verifiedFetch } })
document.body.dataset.ready = 'true'
