import { toGatewayPath } from '../../lib/parse-gateway-url.ts'
import { presentDirectory } from '../gateway/present.ts'
import type { ContentRequest } from '../content-request.ts'
import type { PresentInit } from '../gateway/present.ts'
import type { ContentStep } from './index.ts'

/**
 * A directory verified-fetch answered as its dag-pb node: an HTML listing
 * (unless dag-pb was asked for by name). A directory asked for without its
 * trailing slash: the 301 to the same URL with one, as the client wrote it.
 */
export const directoryListing: ContentStep = {
  name: 'directory-listing',
  async run (request) {
    const response = request.response
    if (response == null) {
      return undefined
    }
    request.response = await presentDirectory(response, presentInit(request)) ?? response
    const location = request.response.headers.get('location')
    if (request.response.status === 301 && location?.startsWith('ipfs://') === true) {
      const redirect = new Response(null, { status: 301, headers: request.response.headers })
      redirect.headers.set('location', toGatewayPath({ ...request.requested, path: `${request.requested.path}/` }))
      request.response = redirect
    }
    return undefined
  }
}

/** What a rendered page (a listing, a DAG preview) shows and answers to. */
export function presentInit (request: ContentRequest): PresentInit {
  const { requested, address } = request
  return {
    accept: request.wanted,
    ifNoneMatch: request.headers.get('if-none-match'),
    method: request.method,
    displayPath: requested.protocol === 'ipns' ? `/ipns/${requested.name}${requested.path}` : `/ipfs/${address.cid.toString()}${address.path}`,
    atRoot: requested.path === '' || requested.path === '/'
  }
}
