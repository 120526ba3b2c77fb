import type { BlockSource } from './types.ts'

/**
 * How a page follows one of its fetches through the SW (the SDK's
 * `onProgress` in service-worker mode). The page names the fetch in a request
 * header; the SW that reports answers with the same header and posts the
 * blocks the response uses to that page only, then `done`. A request without
 * the header costs the SW nothing more.
 */

/** Request header with the fetch's id; the SW echoes it on the response when it reports */
export const FETCH_PROGRESS_HEADER = 'X-Edgeway-Progress'

/** An id a page may choose: short and plain, as it comes back in a header and in messages */
export const FETCH_PROGRESS_ID = /^[\w-]{1,64}$/

/** `type` of the SW's messages about a followed fetch */
export const FETCH_PROGRESS_MESSAGE = 'edgeway:fetch-progress'

/** The SW to the page: the response used `blocks` more blocks of `bytes` more bytes from `source` */
export interface FetchProgressUse {
  type: typeof FETCH_PROGRESS_MESSAGE
  id: string
  source: BlockSource
  blocks: number
  bytes: number
}

/** The SW to the page: nothing more will be used for this fetch (its body was read, failed or was cancelled) */
export interface FetchProgressDone {
  type: typeof FETCH_PROGRESS_MESSAGE
  id: string
  done: true
}

export type FetchProgressMessage = FetchProgressUse | FetchProgressDone
