/**
 * A browser Worker holding one function sandbox, for the SDK's local and
 * recomputed runs (`worker-runner.ts`): a function that computes blocks this
 * worker, never the page.
 */
/// <reference path="./worker-url.d.ts" />
import quickjsWasmUrl from '@jitl/quickjs-wasmfile-release-sync/wasm?url'
import { createFunctionSandbox } from './function-sandbox.ts'
import { answerCall } from './worker-protocol.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from './worker-protocol.ts'

const scope = globalThis as unknown as {
  postMessage(message: FunctionReplyMessage, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<FunctionCallMessage>) => void): void
}
// QuickJS's wasm sits beside this script (the gateway serves both with CORS, for a worker started from another
// origin); compiled once here, an instance of it per module. A failed fetch leaves the worker unready: the page's
// runner answers 503 and starts another
const wasm = await fetch(new URL(quickjsWasmUrl, import.meta.url))
  .then(async response => {
    if (!response.ok) throw new Error(`QuickJS's wasm answered ${response.status}`)
    return WebAssembly.compile(await response.arrayBuffer())
  })
const sandbox = await createFunctionSandbox({ wasm })

scope.addEventListener('message', (event) => {
  void answerCall(sandbox, event.data).then(({ reply, transfer }) => {
    scope.postMessage(reply, transfer)
  })
})
scope.postMessage({ ready: true }, [])
