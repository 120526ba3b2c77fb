/**
 * A worker thread holding one function sandbox: it runs one call at a time
 * for `function-pool.ts`, so a function that computes (or hangs in a
 * built-in the interrupt handler cannot reach) blocks this thread only,
 * never the edge's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { logger } from '@libp2p/logger'
import { createFunctionSandbox } from '../../src/functions/function-sandbox.ts'
import { loadQuickJSWasm } from '../../src/functions/quickjs-wasm-node.ts'
import { pinLocalTimeToUtc } from '../../src/functions/utc-local-time.ts'
import { answerCall } from '../../src/functions/worker-protocol.ts'
import type { FunctionGrants } from '../../src/functions/granted-fetch.ts'
import type { FunctionLimits } from '../../src/functions/types.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from '../../src/functions/worker-protocol.ts'

/** Goes once through the web globals and JSON, before any caller's call */
const WARM_UP = `export default async (request) => Response.json({
  path: new URL(request.url).pathname,
  type: request.headers.get('content-type'),
  items: (await request.json()).items.map(item => item.n)
})`

const log = logger('edgeway:edge:functions')

if (parentPort == null) {
  throw new Error('function-worker.ts runs as a worker thread of the edge')
}
const port = parentPort
// functions see local time as UTC, as in a browser's sandbox: this thread runs nothing else
pinLocalTimeToUtc()
const { limits, grants } = workerData as { limits: FunctionLimits, grants: FunctionGrants }
const sandbox = await createFunctionSandbox({ wasm: await loadQuickJSWasm(), limits, grants })
// one call through the web globals and JSON before any caller's, so the first caller does not wait for the
// interpreter's hot paths to be compiled (~30 ms); its module is dropped after. One that failed would only leave
// the first call slower: it never stops the worker from starting
const body = new TextEncoder().encode('{"items":[{"n":1}]}')
await sandbox.run('edgeway:warm-up', WARM_UP, { method: 'POST', url: 'http://edge.invalid/', headers: [['content-type', 'application/json']], body })
  .catch((err: Error) => { log.error('the function worker\'s warm-up call failed - %e', err) })
sandbox.release('edgeway:warm-up')

port.on('message', (call: FunctionCallMessage) => {
  void answerCall(sandbox, call).then(({ reply, transfer }) => {
    port.postMessage(reply, transfer)
  })
})
// calls are sent only from now on, so loading QuickJS never counts against a call's deadline
port.postMessage({ ready: true } satisfies FunctionReplyMessage)
