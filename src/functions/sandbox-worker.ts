/**
 * A browser Worker holding one function sandbox, for the SDK's local and
 * recomputed runs (`worker-runner.ts`): a function that computes blocks this
 * worker, never the page.
 */
/// <reference path="./worker-url.d.ts" />
import quickjsWasmUrl from '@jitl/quickjs-wasmfile-release-sync/wasm?url'
import { createFunctionSandbox } from './function-sandbox.ts'
import { pinLocalTimeToUtc } from './utc-local-time.ts'
import { answerCall } from './worker-protocol.ts'
import type { FunctionCallMessage, FunctionReplyMessage } from './worker-protocol.ts'

const scope = globalThis as unknown as {
  postMessage(message: FunctionReplyMessage, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<FunctionCallMessage>) => void): void
}
// functions see local time as UTC, as on an edge: this Worker runs nothing else
pinLocalTimeToUtc()
// compiled once here, an instance of it per module. A wasm that cannot be had leaves the worker unready: the page's
// runner answers 503 and starts another
const wasm = await WebAssembly.compile(await quickjsWasm(quickjsWasmUrl))
const sandbox = await createFunctionSandbox({ wasm })

scope.addEventListener('message', (event) => {
  void answerCall(sandbox, event.data).then(({ reply, transfer }) => {
    scope.postMessage(reply, transfer)
  })
})
scope.postMessage({ ready: true }, [])

/**
 * QuickJS's wasm: in the SDK, inlined in this script as base64 (a library
 * build inlines its assets), decoded here rather than fetched, since a page's
 * `connect-src`, which this worker inherits, need not allow `data:`; in the
 * gateway's own build, a file beside this script
 */
async function quickjsWasm (url: string): Promise<ArrayBuffer> {
  const inlined = /^data:[^,]*;base64,/.exec(url)
  if (inlined != null) {
    const base64 = url.slice(inlined[0].length)
    const decode = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array<ArrayBuffer> }).fromBase64
    return (decode != null ? decode(base64) : Uint8Array.from(atob(base64), char => char.charCodeAt(0))).buffer
  }
  const response = await fetch(new URL(url, import.meta.url))
  if (!response.ok) throw new Error(`QuickJS's wasm answered ${response.status}`)
  return response.arrayBuffer()
}
