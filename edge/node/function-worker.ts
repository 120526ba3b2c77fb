/**
 * A worker thread holding one function sandbox: it runs one call at a time
 * for `function-pool.ts`, so a function that computes (or hangs in a
 * built-in the interrupt handler cannot reach) blocks this thread only,
 * never the edge's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createFunctionSandbox } from '../../src/functions/function-sandbox.ts'
import { answerCall, replyTransfer } from '../../src/functions/worker-protocol.ts'
import type { FunctionGrants } from '../../src/functions/granted-fetch.ts'
import type { FunctionLimits } from '../../src/functions/types.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from '../../src/functions/worker-protocol.ts'

if (parentPort == null) {
  throw new Error('function-worker.ts runs as a worker thread of the edge')
}
const port = parentPort
const { limits, grants } = workerData as { limits: FunctionLimits, grants: FunctionGrants }
const sandbox = await createFunctionSandbox({ limits, grants })

port.on('message', (call: FunctionCallMessage) => {
  void answerCall(sandbox, call).then((reply) => {
    port.postMessage(reply, replyTransfer(reply))
    if (!sandbox.healthy) {
      // the sandbox's WebAssembly instance may be broken: the pool starts a fresh worker
      process.exit(1)
    }
  })
})
// calls are sent only from now on, so loading QuickJS never counts against a call's deadline
port.postMessage({ ready: true } satisfies FunctionReplyMessage)
