import { toIpfsUrl } from '../../lib/parse-gateway-url.ts'
import { REQUEST_STATE } from '../../lib/request-state.ts'
import type { ContentRequest } from '../content-request.ts'
import type { ContentStep } from './index.ts'
import type { WithRequestState } from '../../lib/request-state.ts'
import type { ResolveURLOptions, VerifiedFetchInit } from '@helia/verified-fetch'

/** Blocks of one DAG layer fetched at once, outside the file plugin's windowed stream. */
const BLOCK_READ_CONCURRENCY = 16

/** verified-fetch's init for this request: its own options, and the request's state under its one key. */
export type ContentVerifiedFetchInit = VerifiedFetchInit & WithRequestState & Pick<ResolveURLOptions, 'redirected'> & { blockReadConcurrency: number }

/**
 * The one verified-fetch call: the path is walked (from the local store now:
 * resolve-file brought its blocks), a plugin answers (the file plugin for a
 * resolved file), and every block any of them reads is hashed first.
 */
export const verifiedFetchStep: ContentStep = {
  name: 'verified-fetch',
  async run (request) {
    request.response = await request.components.verifiedFetch(toIpfsUrl(request.address), verifiedFetchInit(request))
    return answerIfIdle(request)
  }
}

export function verifiedFetchInit (request: ContentRequest, overrides: Pick<VerifiedFetchInit, 'method' | 'headers'> = {}): ContentVerifiedFetchInit {
  const { config } = request.components
  return {
    method: request.init.method,
    headers: request.headers,
    signal: request.signal,
    session: false,
    redirect: request.init.redirect ?? 'follow',
    blockReadConcurrency: BLOCK_READ_CONCURRENCY,
    // verified-fetch has no switch for its own `_redirects` handling, which applies to every path and only
    // signals its answers; `redirected` (its flag for "already redirected once") keeps it off, and site-redirect.ts
    // applies the file as the spec says
    redirected: true,
    allowLocal: config.allowLocal,
    allowInsecure: config.allowInsecure,
    onProgress: request.onProgress,
    [REQUEST_STATE]: request.state,
    ...overrides
  }
}

/** No source made progress while verified-fetch worked: why, instead of what it made of that. */
export async function answerIfIdle (request: ContentRequest): Promise<Response | undefined> {
  if (!request.watchdog.fired) {
    return undefined
  }
  await request.response?.body?.cancel()
  return request.fail(request.unavailable())
}
