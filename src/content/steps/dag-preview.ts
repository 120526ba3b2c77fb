import { CID } from 'multiformats/cid'
import { acceptsExplicitly } from '../gateway/negotiate.ts'
import { presentDag } from '../gateway/present.ts'
import { toIpfsUrl } from '../../lib/parse-gateway-url.ts'
import { presentInit } from './directory-listing.ts'
import { answerIfIdle, verifiedFetchInit } from './verified-fetch.ts'
import type { ContentStep } from './index.ts'

/**
 * A browser opening a DAG-JSON/CBOR node (verified-fetch answers 406 to
 * `text/html`): the node's verified block, shown as a page. A file asked for
 * as `text/html` only (not what browsers send) is the file itself.
 */
export const dagPreview: ContentStep = {
  name: 'dag-preview',
  async run (request) {
    const { response, components } = request
    if (response?.status !== 406 || !acceptsExplicitly(request.wanted, 'text/html')) {
      return undefined
    }
    await response.body?.cancel()
    const url = toIpfsUrl(request.address)
    const block = await components.verifiedFetch(url, verifiedFetchInit(request, { method: 'GET', headers: { accept: 'application/vnd.ipld.raw' } }))
    if (block.ok && isUnixfs(block.headers)) {
      await block.body?.cancel()
      request.headers.set('accept', '*/*')
      request.response = await components.verifiedFetch(url, verifiedFetchInit(request))
    } else {
      request.response = block.ok ? await presentDag(block, presentInit(request)) : block
    }
    return answerIfIdle(request)
  }
}

/** The node a response is about (the last of its roots) is UnixFS: dag-pb or raw. */
function isUnixfs (headers: Headers): boolean {
  const roots = (headers.get('x-ipfs-roots') ?? '').split(',')
  try {
    const code = CID.parse(roots[roots.length - 1] ?? '').code
    return code === 0x70 || code === 0x55
  } catch {
    return false
  }
}
