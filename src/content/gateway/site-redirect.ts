import { errorToResponse } from '../../lib/error-to-response.ts'
import { readCapped } from '../../lib/read-capped.ts'
import { applyRedirects, MAX_REDIRECTS_FILE_SIZE, parseRedirects, RedirectsFileError } from './redirects-file.ts'
import type { GatewayAddress } from '../../lib/parse-gateway-url.ts'
import type { RedirectOutcome } from './redirects-file.ts'

/**
 * Rules applied to one request: a rewrite's target is answered as it is,
 * never through `_redirects` again, so no file can make the SW chase a chain
 * or a loop of rewrites. A chain of redirects is a chain of browser requests,
 * each answered by one rule, which the browser caps (20 in the Fetch standard).
 */
export const MAX_RULES_PER_REQUEST = 1

/**
 * Answers another path of the same site, as the request being answered would
 * be (its headers, its signal) unless `init` says otherwise, without applying
 * `_redirects` again (`MAX_RULES_PER_REQUEST`).
 */
export type FetchPath = (address: GatewayAddress, init?: { method?: string, headers?: Headers, signal?: AbortSignal }) => Promise<Response>

/**
 * A missing path on a site with a `_redirects` file: the redirect, or the
 * content the matching rule names (an SPA's index.html, a custom 404 page)
 * with the rule's status. Undefined when no file or no rule applies; a file
 * that cannot be used is a 500 the site's owner sees.
 */
export async function siteRedirect (requested: GatewayAddress, fetchPath: FetchPath, options: { accept?: string | null, signal: AbortSignal }): Promise<Response | undefined> {
  // the file itself, whatever the request asked for (a range, a media type, a cached copy)
  const file = await fetchPath({ ...requested, path: '/_redirects', search: '' }, { method: 'GET', headers: new Headers(), signal: options.signal })
  if (file.status !== 200 || file.body == null) {
    await file.body?.cancel()
    return undefined
  }
  let outcome: RedirectOutcome | undefined
  try {
    const text = new TextDecoder().decode(await readCapped(file, MAX_REDIRECTS_FILE_SIZE, () => new RedirectsFileError(`the redirects file size cannot exceed ${MAX_REDIRECTS_FILE_SIZE} bytes`), options))
    outcome = applyRedirects(parseRedirects(text), decodeURIComponent(requested.path), requested.search)
  } catch (err) {
    return errorToResponse(err, { accept: options.accept })
  }
  if (outcome == null) {
    return undefined
  }
  if (outcome.kind === 'redirect') {
    return new Response(null, { status: outcome.status, headers: { Location: outcome.location } })
  }
  const target = new URL(outcome.path, 'http://site.invalid')
  const answer = await fetchPath({ ...requested, path: target.pathname, search: target.search })
  if (outcome.status === 200 || answer.status !== 200) {
    return answer
  }
  return new Response(answer.body, { status: outcome.status, headers: answer.headers })
}
