/**
 * Vanilla @helia/verified-fetch in a page (vanilla-node.ts). The page URL
 * names the edge: `/pages/vanilla.html?edge=http://127.0.0.1:N`.
 */
import { startVanillaVerifiedFetch } from './vanilla-node.ts'

const edge = new URL(location.href).searchParams.get('edge')
if (edge == null) {
  throw new Error('no ?edge= given')
}
const verifiedFetch = await startVanillaVerifiedFetch(edge)

Object.assign(globalThis, { edgewayBench: { fetch: verifiedFetch } })
document.body.dataset.ready = 'true'
