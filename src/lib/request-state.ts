import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * The one key under which a content request's own state travels through
 * verified-fetch's init (which spreads it into every plugin's context) and
 * Helia's block options (which reach every block broker). verified-fetch and
 * Helia have no field for a caller's per-request data, so this is the one
 * place that rides on their options; everything that reads it goes through
 * `requestStateOf`.
 */
export const REQUEST_STATE = 'edgewayRequest'

/** Block reads as the UnixFS exporter and verified-fetch's plugins make them. */
export type ReadableBlocks = Pick<Blockstore, 'get' | 'has'>

/** Batched fetching for one response: the blocks of one window of a file, brought as one CAR. */
export interface FileBlocks {
  /** The blocks of `file` a reader from `offset` up to `end` (exclusive) reads */
  fileView(file: CID, offset: number, end: number): ReadableBlocks
}

/**
 * How the body of a response the file plugin built reports to its request:
 * the idle watchdog sees progress, the request is done when the body is, and
 * a body that fails says why in the request's own terms.
 */
export interface BodyWatch {
  /** A chunk went to the reader */
  progressed(): void
  /** The body was read to its end */
  ended(): void
  /** The body failed: the error the reader sees */
  failed(err: unknown): unknown
  /** The reader went away: stop fetching for it */
  cancelled(reason: unknown): void
}

/** The response the file plugin built, so the request knows its body already reports through `BodyWatch`. */
export interface WatchedAnswer {
  response: Response
  /** The body's first read failed (a range's first window): the request answers with this error instead */
  failed?: unknown
}

export interface RequestStateInit {
  root: CID
  readAheadBytes?: number
  file?: CID
  blocks?: FileBlocks
  body?: BodyWatch
}

/**
 * What one content request tells the parts verified-fetch and Helia call on
 * its behalf: the block brokers (the root) and the file plugin
 * (the resolved file, its batched blocks, the body's reporting).
 */
export class RequestState {
  /** The response's content root: providers of content the edges lack are looked up by it, once per response */
  readonly root: CID
  /** How many bytes past the reader's position a file's blocks may be fetched */
  readonly readAheadBytes: number
  /** The UnixFS file the path ends at, when it was resolved before verified-fetch ran */
  file?: CID
  /** Batched fetching for this response, when an edge speaks HTTP */
  blocks?: FileBlocks
  /** Where a body the file plugin builds reports to */
  body?: BodyWatch
  /** Set by the file plugin: the response whose body reports through `body` */
  answer?: WatchedAnswer

  constructor (init: RequestStateInit) {
    this.root = init.root
    this.readAheadBytes = init.readAheadBytes ?? 4 * 1024 * 1024
    this.file = init.file
    this.blocks = init.blocks
    this.body = init.body
  }
}

/** Options that carry a request's state (verified-fetch's init, Helia's block options). */
export interface WithRequestState {
  [REQUEST_STATE]?: RequestState
}

/** The request state riding on `options` (a plugin's context, a broker's options), if any. */
export function requestStateOf (options: unknown): RequestState | undefined {
  if (typeof options !== 'object' || options === null || !(REQUEST_STATE in options)) {
    return undefined
  }
  const state = options[REQUEST_STATE]
  return state instanceof RequestState ? state : undefined
}
