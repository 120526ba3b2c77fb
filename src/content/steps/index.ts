import { dagPreview } from './dag-preview.ts'
import { directoryListing } from './directory-listing.ts'
import { errorAnswer } from './error-answer.ts'
import { instrument } from './instrument.ts'
import { peersListed } from './peers-listed.ts'
import { preflight } from './preflight.ts'
import { resolveFileStep } from './resolve-file.ts'
import { resolveNameStep } from './resolve-name.ts'
import { siteRedirectStep } from './site-redirect.ts'
import { smallSiteStep } from './small-site.ts'
import { verifiedFetchStep } from './verified-fetch.ts'
import { warmDagStep } from './warm-dag.ts'
import type { ContentRequest } from '../content-request.ts'

/** One step of a content request's way. */
export interface ContentStep {
  readonly name: string
  /** The request's answer, which ends its way; undefined to go on to the next step */
  run(request: ContentRequest): Promise<Response | undefined>
}

/**
 * A content request's way, in order. Up to `verified-fetch` a step may answer
 * early (a refusal, a redirect, a name's record); from there on each shapes
 * `request.response`, and `instrument` answers with it.
 */
export const CONTENT_STEPS: readonly ContentStep[] = [
  // `/ipns/`: the name's own answers (canonical redirect, its record), else the address it names
  resolveNameStep,
  // what the request means (`Accept`, `?format=`), and what it cannot mean: refused before any block is asked for
  preflight,
  // a CAR or TAR of a whole DAG: one edge CAR of it first
  warmDagStep,
  // whether other browsers are listed for the content: asked beside the rest, never waited for
  peersListed,
  // a navigation into a small site: its whole directory in one CAR; a request under it waits for that CAR
  smallSiteStep,
  // the path walked once, in one CAR with the file's first bytes; the file the path ends at
  resolveFileStep,
  // the one call: verified-fetch and its plugins (the file plugin streams a resolved file)
  verifiedFetchStep,
  // a DAG-JSON/CBOR node opened in a browser: a page
  dagPreview,
  // a path a site does not have: its `_redirects` rule
  siteRedirectStep,
  // verified-fetch's error answers as Edgeway's typed errors
  errorAnswer,
  // a directory: its listing; a directory without its trailing slash: the 301 as the client wrote it
  directoryListing,
  // what the response used and took (headers, Server-Timing), a body that keeps the request alive until read
  instrument
]

/** Runs `steps` until one answers. A step that throws once no source made progress answers why instead. */
export async function runSteps (request: ContentRequest, steps: readonly ContentStep[]): Promise<Response> {
  for (const step of steps) {
    let answer: Response | undefined
    try {
      answer = await step.run(request)
    } catch (err) {
      if (request.watchdog.fired) {
        return request.fail(request.unavailable())
      }
      request.finish()
      throw err
    }
    if (answer != null) {
      return answer
    }
  }
  throw new TypeError(`No step answered ${request.requested.protocol} request`)
}
