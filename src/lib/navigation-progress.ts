import type { SourceCounts } from './types.ts'

/**
 * The progress page on an origin whose content is sandboxed (path mode): a
 * page of the gateway's, like the loader's, so content URLs there are only
 * ever answered as content. `?path=` names the content it follows.
 */
export const PROGRESS_PATH = '/_edgeway/progress'

/** Where a progress page reads how its navigation is going (`?path=`, JSON `NavigationProgress`) */
export const PROGRESS_STATE_PATH = '/_edgeway/progress-state'

/**
 * How one slow navigation is going, as the SW tells its progress page: what
 * is fetched, the block bytes so far by source, and, when it failed, the
 * status and what was tried.
 */
export interface NavigationProgress {
  /** The content path, on the page's own origin */
  path: string
  state: 'fetching' | 'done' | 'failed'
  /** Verified block bytes so far, by the source that gave them */
  bytes: SourceCounts
  /** Milliseconds since the navigation started */
  elapsedMs: number
  /** The HTTP status of a failure */
  status?: number
  /** The error's name and message of a failure */
  error?: string
  /** Where the SW looked: edges' trustless gateways and routers (routing found peers through these) */
  tried: { edges: string[], routers: string[] }
}

/** The progress page that follows `target` (a content path on the same origin) */
export function progressUrl (target: string): string {
  return `${PROGRESS_PATH}?path=${encodeURIComponent(target)}`
}

/** Where the progress page for `target` polls */
export function progressStateUrl (target: string): string {
  return `${PROGRESS_STATE_PATH}?path=${encodeURIComponent(target)}`
}
