import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/**
 * QuickJS's WebAssembly, compiled once in this thread, for the function
 * sandboxes a Node host runs (the edge's workers, tests): each module's
 * instance is made from it in well under a millisecond.
 */
export async function loadQuickJSWasm (): Promise<WebAssembly.Module> {
  const file = fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))
  return WebAssembly.compile(await readFile(file))
}
