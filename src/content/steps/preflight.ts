import { ContentError } from '../../lib/errors.ts'
import { checkRange } from '../gateway/check-range.ts'
import { effectiveAccept } from '../gateway/negotiate.ts'
import { checkPresentable } from '../gateway/presentable.ts'
import type { ContentStep } from './index.ts'

/**
 * What the request means and whether it can be answered at all, before any
 * block is asked for: the media type (`?format=` beats `Accept`), a codec the
 * gateway can present, a well-formed `Range`, and `only-if-cached` for a root
 * this browser does not have (412 at once).
 */
export const preflight: ContentStep = {
  name: 'preflight',
  async run (request) {
    const { address, headers } = request
    try {
      request.wanted = effectiveAccept(new URLSearchParams(address.search), request.accept)
      checkPresentable(address.cid, request.wanted)
      checkRange(headers.get('range'))
    } catch (err) {
      return request.refuse(err)
    }
    if (request.wanted != null) {
      headers.set('accept', request.wanted)
    }
    request.offline = /\bonly-if-cached\b/i.test(headers.get('cache-control') ?? '')
    if (request.offline && !(await request.components.local.has(address.cid, { signal: request.signal }))) {
      return request.refuse(new ContentError(`${address.cid.toString()} is not in this browser's store (Cache-Control: only-if-cached)`, 412))
    }
    return undefined
  }
}
