/**
 * `/edgeway/car/1.0.0`: one browser asks another for a CAR, as it would ask
 * an edge's trustless gateway for `?format=car&dag-scope=…&entity-bytes=…`.
 * Shared by the tab peer (both ends of the protocol) and the SW (which sees
 * the same errors, by name, through the bridge).
 *
 * The request is one length-prefixed JSON message. The answer is a series of
 * length-prefixed frames, each starting with a type byte: CAR bytes (a CARv1
 * stream cut anywhere), then exactly one end or error frame. A stream that
 * stops without either was broken off, never a complete answer.
 */
export const CAR_PROTOCOL = '/edgeway/car/1.0.0'

/** A request is a CID, a short path and a range: anything longer is not one */
export const MAX_CAR_REQUEST_BYTES = 4096

export const FRAME_CAR = 0
export const FRAME_END = 1
export const FRAME_ERROR = 2

/** What is asked, in the wire's form (CIDs as strings) */
export interface PeerCarRequest {
  cid: string
  /** Percent-encoded path under `cid`, `''` or starting with `/` */
  path?: string
  /** Inclusive byte range of the entity, when it is a file */
  range?: { from: number, to: number | '*' }
  /** @default 'entity' */
  scope?: 'entity' | 'all'
}

/** The request as sent, or undefined when the bytes are not one (the server refuses those) */
export function parsePeerCarRequest (text: string): PeerCarRequest | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (value == null || typeof value !== 'object') return undefined
  const { cid, path, range, scope } = value as Record<string, unknown>
  if (typeof cid !== 'string' || (path != null && (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))))) return undefined
  if (scope != null && scope !== 'entity' && scope !== 'all') return undefined
  let parsedRange: PeerCarRequest['range']
  if (range != null) {
    const { from, to } = range as Record<string, unknown>
    if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) return undefined
    parsedRange = { from: from as number, to: to as number | '*' }
  }
  return { cid, path: path as string | undefined, range: parsedRange, scope: scope as PeerCarRequest['scope'] }
}

/** What went wrong with a CAR from another browser; `peer` is who sent it (when known) */
export class PeerCarError extends Error {
  static name = 'PeerCarError'
  name = 'PeerCarError'
  readonly peer?: string

  constructor (message: string, peer?: string) {
    super(message)
    this.peer = peer
  }
}

/** No browser announcing the root could be reached, or none would answer */
export class NoPeerCarError extends PeerCarError {
  static name = 'NoPeerCarError'
  name = 'NoPeerCarError'
}

/** The peer refused the request (not shared, not held, a bad request, too busy), before or during the CAR */
export class PeerCarRefusedError extends PeerCarError {
  static name = 'PeerCarRefusedError'
  name = 'PeerCarRefusedError'
}

/** The stream broke off, stalled or was malformed: the caller goes on from where it is, elsewhere */
export class PeerCarBrokenError extends PeerCarError {
  static name = 'PeerCarBrokenError'
  name = 'PeerCarBrokenError'
}

/** The peer sent a block whose bytes do not match its CID */
export class PeerCarLieError extends PeerCarError {
  static name = 'PeerCarLieError'
  name = 'PeerCarLieError'
}

const ERRORS: Record<string, new (message: string, peer?: string) => PeerCarError> = {
  NoPeerCarError, PeerCarRefusedError, PeerCarBrokenError, PeerCarLieError
}

/** The typed error a name stands for (as it crossed the bridge), a broken stream for any other name */
export function peerCarError (name: string, message: string, peer?: string): PeerCarError {
  return new (ERRORS[name] ?? PeerCarBrokenError)(message, peer)
}
