/**
 * How the gateway page and its service worker talk about versions: the page
 * asks which version runs, offers the reload that activates a new one, and
 * retires the SW when the user resets this origin.
 */

/** GET, answered by the SW only: `{ version }`, the page build it was made with (changes with every deployment) */
export const SW_VERSION_PATH = '/_edgeway/version'

/** POST from a page: the SW unregisters and, for the rest of its life, answers nothing (the network does) */
export const SW_UNREGISTER_PATH = '/_edgeway/unregister'

/** A gateway page to a waiting SW: activate now; the page reloads onto it once it controls the page */
export const SKIP_WAITING_MESSAGE = 'edgeway:skip-waiting'

/** What `SW_VERSION_PATH` answers */
export interface SwVersion {
  /** undefined on a content root's own origin, which keeps no gateway page */
  version?: string
}
