import type { ContentStep } from './index.ts'

/**
 * Content other browsers announce is asked of them first (no CAR streams
 * from the edges, which would fetch it all from there), once they delivered
 * its first block; the edges step in for blocks the peers are late with.
 */
export const peersFirst: ContentStep = {
  name: 'peers-first',
  async run (request) {
    const { components, address } = request
    if (request.offline) {
      return undefined
    }
    const lookupStarted = performance.now()
    request.peersFirst = !(await components.local.has(address.cid, { signal: request.signal })) &&
      await components.preferPeers(address.cid, { signal: request.signal, onProgress: request.onProgress })
    if (request.peersFirst) {
      request.timings.push(`edgeway-peers;desc="peers first";dur=${(performance.now() - lookupStarted).toFixed(1)}`)
    }
    return undefined
  }
}
