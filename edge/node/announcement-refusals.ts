/**
 * Why the provider table refuses a well-formed, correctly signed
 * announcement. Typed like the rest of the edge's errors (callers branch on
 * `.name`); `announce-providers.ts` answers each with its status and message.
 */

/** HTTP 403: the peer has no connection to this edge, so nobody could reach it through here */
export class PeerNotConnectedError extends Error {
  static name = 'PeerNotConnectedError'
  name = 'PeerNotConnectedError'
}

/** HTTP 409: the announcement's Seq is not above the highest this edge has seen from the peer (a replay, or out of order) */
export class StaleSeqError extends Error {
  static name = 'StaleSeqError'
  name = 'StaleSeqError'
}

/** HTTP 429: the client (one remote address) already holds records for as many peer ids as it may */
export class TooManyPeersError extends Error {
  static name = 'TooManyPeersError'
  name = 'TooManyPeersError'
}

/** HTTP status of each refusal */
export const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  PeerNotConnectedError: 403,
  StaleSeqError: 409,
  TooManyPeersError: 429
}
