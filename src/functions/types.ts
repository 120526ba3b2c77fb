/**
 * Public types of edge functions: a function is an ES module, named by its
 * CID, whose default export is `async (request: Request) => Response`. The
 * host hands a request in and takes a response out as plain data, so the
 * same sandbox runs on an edge (Node) and in a browser Worker.
 */
import type { AbortOptions } from '@libp2p/interface'

/** A request as plain data, handed into the sandbox */
export interface FunctionRequest {
  method: string
  /** Absolute URL the function sees as `request.url` */
  url: string
  /** Header names in lower case, in the order received */
  headers: Array<[string, string]>
  /** Empty for GET and HEAD */
  body: Uint8Array
}

/** What a function answered, as plain data */
export interface FunctionResponse {
  status: number
  headers: Array<[string, string]>
  body: Uint8Array
}

/** Where the time of one call went, for `Server-Timing` */
export interface FunctionTimings {
  /** Evaluating the module; 0 when it was warm */
  compileMs: number
  /** Running the default export until its Response was read out */
  runMs: number
  /** The module was already evaluated in this sandbox */
  warm: boolean
}

export interface FunctionResult {
  response: FunctionResponse
  timings: FunctionTimings
}

/** The limits one sandbox enforces on each function it runs */
export interface FunctionLimits {
  /** Wall time for evaluating a module, and again for one call, in ms */
  timeoutMs: number
  /** Heap of one module's QuickJS runtime, in bytes */
  memoryBytes: number
  /** Native stack of one module's QuickJS runtime, in bytes */
  stackBytes: number
  /** Bytes of a module's source */
  maxModuleBytes: number
  /** Bytes of a request body handed to a function */
  maxRequestBytes: number
  /** Bytes of a response body a function may answer with */
  maxResponseBytes: number
  /** Evaluated modules kept warm at once; the least recently used goes first */
  maxWarmModules: number
}

/** Runs functions: the sandbox itself, or a pool of them in workers */
export interface FunctionRunner {
  /**
   * Runs the module `source`, named `cid`, on `request`. Rejects with the
   * errors of `errors.ts`.
   */
  run(cid: string, source: string, request: FunctionRequest, options?: AbortOptions): Promise<FunctionResult>
  /** Frees every warm module (and worker); the runner is unusable after */
  close(): Promise<void>
}
