import { MAX_RULES_PER_REQUEST, siteRedirect } from '../gateway/site-redirect.ts'
import type { ContentStep } from './index.ts'

/**
 * A path the site does not have, on the site's own origin: the redirect or
 * the content its `_redirects` rule names. The file and the rule's target
 * are asked for through `request.follow`, as requests one rule deeper, so a
 * rewrite's target is never rewritten again (`MAX_RULES_PER_REQUEST`).
 */
export const siteRedirectStep: ContentStep = {
  name: 'site-redirect',
  async run (request) {
    const { response } = request
    if (response?.status !== 404 || request.init.originRoot !== true || request.rules >= MAX_RULES_PER_REQUEST) {
      return undefined
    }
    const redirected = await siteRedirect(request.requested, request.follow, { accept: request.accept, signal: request.signal })
    if (redirected == null) {
      return undefined
    }
    await response.body?.cancel()
    request.finish()
    return redirected
  }
}
