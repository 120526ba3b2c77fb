/**
 * What a host and a sandbox worker say to each other, in Node's
 * worker_threads and in a browser Worker alike: the worker says `ready` once
 * QuickJS is loaded, then answers one call at a time. Messages are flat and
 * small, bodies copied unless large (see `postable`): each level of nesting
 * and each handed-over buffer costs the structured clone time on both sides.
 */
import { exactBytes } from './sandbox-call.ts'
import type { FunctionSandbox } from './function-sandbox.ts'
import type { SandboxCall } from './sandbox-call.ts'
import type { FunctionResponse, FunctionResult, FunctionTimings } from './types.ts'

/** host → worker */
export interface FunctionCallMessage extends SandboxCall {
  id: number
  cid: string
  /** Left out when the host knows the worker holds the module warm */
  source?: string
}

/** worker → host */
export type FunctionReplyMessage =
  | { ready: true }
  | ({ id: number, ok: true } & FunctionResponse & FunctionTimings)
  | { id: number, ok: false, name: string, message: string, kept: boolean }

/**
 * Bytes at or over this size are handed over to the other thread rather than
 * copied: handing over costs more than copying a small body
 */
const HAND_OVER_BYTES = 64 * 1024

/**
 * What to post with `bytes`: small ones are copied by the clone (made exact
 * first: the clone of a view copies its whole buffer, such as the shared
 * pool a small Node Buffer lives in), large ones handed over. Bytes that are
 * not `owned` (the caller keeps them, and may post them again) are handed
 * over as a copy, never their own buffer. Copies are made with the
 * constructor: a Buffer's slice() is a view, not a copy.
 */
export function postable (bytes: Uint8Array, owned = false): { bytes: Uint8Array, transfer: ArrayBuffer[] } {
  if (bytes.byteLength < HAND_OVER_BYTES) {
    return { bytes: exactBytes(bytes), transfer: [] }
  }
  const own = owned ? exactBytes(bytes) : new Uint8Array(bytes)
  return { bytes: own, transfer: [own.buffer] }
}

/** A call as the host posts it: the message and what it hands over */
export function callMessage (id: number, cid: string, source: string | undefined, { request, bytes }: SandboxCall): { message: FunctionCallMessage, transfer: ArrayBuffer[] } {
  if (bytes == null) {
    return { message: { id, cid, source, request }, transfer: [] }
  }
  const posted = postable(bytes)
  return { message: { id, cid, source, request, bytes: posted.bytes }, transfer: posted.transfer }
}

/** Runs one call in the worker's sandbox; never rejects: a failure is a reply too */
export async function answerCall (sandbox: FunctionSandbox, { id, cid, source, request, bytes }: FunctionCallMessage): Promise<{ reply: FunctionReplyMessage, transfer: ArrayBuffer[] }> {
  try {
    const { response, timings } = await sandbox.runCall(cid, source, { request, bytes })
    // the answer's bytes were made for this reply
    const answer = postable(response.body, true)
    return { reply: { id, ok: true, status: response.status, headers: response.headers, body: answer.bytes, ...timings }, transfer: answer.transfer }
  } catch (err: any) {
    // a module that threw stays warm; one that failed to evaluate, or hit a limit, is gone
    return { reply: { id, ok: false, name: err.name ?? 'Error', message: err.message ?? String(err), kept: sandbox.holds(cid) }, transfer: [] }
  }
}

/** A successful reply as the runner's result */
export function replyResult ({ status, headers, body, compileMs, runMs, warm }: Extract<FunctionReplyMessage, { ok: true }>): FunctionResult {
  return { response: { status, headers, body }, timings: { compileMs, runMs, warm } }
}

/** A failed reply as an error with the sandbox's `.name`, for hosts that branch on it */
export function replyError ({ name, message }: { name: string, message: string }): Error {
  return Object.assign(new Error(message), { name })
}
