/**
 * What a host and a sandbox worker say to each other, in Node's
 * worker_threads and in a browser Worker alike: the worker says `ready` once
 * QuickJS is loaded, then answers one call at a time.
 */
import type { FunctionSandbox } from './function-sandbox.ts'
import type { FunctionRequest, FunctionResult } from './types.ts'

/** host → worker */
export interface FunctionCallMessage {
  id: number
  cid: string
  source: string
  request: FunctionRequest
}

/** worker → host */
export type FunctionReplyMessage =
  | { ready: true }
  | { id: number, ok: true, result: FunctionResult }
  | { id: number, ok: false, name: string, message: string }

/** Runs one call in the worker's sandbox; never rejects: a failure is a reply too */
export async function answerCall (sandbox: FunctionSandbox, { id, cid, source, request }: FunctionCallMessage): Promise<FunctionReplyMessage> {
  try {
    return { id, ok: true, result: await sandbox.run(cid, source, request) }
  } catch (err: any) {
    return { id, ok: false, name: err.name ?? 'Error', message: err.message ?? String(err) }
  }
}

/** The buffers a reply can hand over instead of copying */
export function replyTransfer (reply: FunctionReplyMessage): ArrayBuffer[] {
  return 'ok' in reply && reply.ok ? [reply.result.response.body.buffer as ArrayBuffer] : []
}

/** A failed reply as an error with the sandbox's `.name`, for hosts that branch on it */
export function replyError ({ name, message }: { name: string, message: string }): Error {
  return Object.assign(new Error(message), { name })
}
