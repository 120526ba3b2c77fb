import { smallSite } from '../small-site.ts'
import type { ContentRequest } from '../content-request.ts'
import type { ContentStep } from './index.ts'

/**
 * A navigation into a small site brings its whole directory in one CAR
 * (small-site.ts); a request under a directory whose CAR is in flight waits
 * for it and is then answered from the store. Only where CARs come from an
 * edge, not for `only-if-cached`.
 */
export const smallSiteStep: ContentStep = {
  name: 'small-site',
  async run (request) {
    if (request.components.cars.available && !request.offline) {
      await smallSite(request.sites, request.address, { navigation: request.init.navigation === true, blockByBlock: blockByBlock(request), signal: request.signal })
    }
    return undefined
  }
}

/**
 * A request that waits for its own blocks of a site CAR in flight, not for
 * the whole CAR: one whose path resolve-file walks (a GET or HEAD), and not a
 * document (a navigation's own CAR brings the directory the site CAR starts
 * from).
 */
export function blockByBlock (request: ContentRequest): boolean {
  return request.init.navigation !== true && (request.method === 'GET' || request.method === 'HEAD')
}
