/**
 * A worker thread holding one function sandbox: it runs one call at a time
 * for `function-pool.ts`, so a function that computes (or hangs in a
 * built-in the interrupt handler cannot reach) blocks this thread only,
 * never the edge's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createFunctionSandbox } from '../../src/functions/function-sandbox.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from './function-pool.ts'
import type { FunctionLimits } from '../../src/functions/types.ts'

if (parentPort == null) {
  throw new Error('function-worker.ts runs as a worker thread of the edge')
}
const port = parentPort
const limits = (workerData as { limits: FunctionLimits }).limits
const sandbox = await createFunctionSandbox({ limits })

port.on('message', (call: FunctionCallMessage) => {
  void answer(call)
})
// calls are sent only from now on, so loading QuickJS never counts against a call's deadline
port.postMessage({ ready: true } satisfies FunctionReplyMessage)

async function answer ({ id, cid, source, request }: FunctionCallMessage): Promise<void> {
  let reply: FunctionReplyMessage
  try {
    const result = await sandbox.run(cid, source, request)
    reply = { id, ok: true, result }
  } catch (err: any) {
    reply = { id, ok: false, name: err.name ?? 'Error', message: err.message ?? String(err) }
  }
  port.postMessage(reply, reply.ok ? [reply.result.response.body.buffer as ArrayBuffer] : [])
  if (!sandbox.healthy) {
    // QuickJS aborted while freeing a module: its instance is unusable, the pool starts a fresh worker
    process.exit(1)
  }
}
