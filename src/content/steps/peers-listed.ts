import type { ContentStep } from './index.ts'

/**
 * Asks, beside everything else, whether the edges' routing lists other
 * browsers for this content (none when no tab's peer can reach them);
 * nothing waits for the answer. A file read then shares its CARs between
 * the edges and those browsers, by who delivers faster (resolve-file,
 * segment-scheduler.ts).
 */
export const peersListed: ContentStep = {
  name: 'peers-listed',
  async run (request) {
    if (!request.offline && request.components.peerCars?.available === true) {
      // a lookup that fails says "no browser listed"
      request.peersListed = request.components.peersListed(request.address.cid, { signal: request.signal }).catch(() => false)
    }
    return undefined
  }
}
