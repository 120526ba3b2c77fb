/**
 * Edgeway's SDK in a page (`createEdgeClient`, the lean path for files), as a
 * dApp without a service worker uses it. The page URL names the edge:
 * `/pages/sdk.html?edge=http://127.0.0.1:N`.
 */
import { createEdgeClient } from '../../src/sdk/index.ts'

const edge = new URL(location.href).searchParams.get('edge')
if (edge == null) {
  throw new Error('no ?edge= given')
}
const client = createEdgeClient({ edges: [edge] })

Object.assign(globalThis, { edgewayBench: { fetch: async (url: string) => client.fetch(url) } })
document.body.dataset.ready = 'true'
