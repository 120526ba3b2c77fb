import type { Plugin } from 'vite'

/** The QuickJS build's own JS glue, which names its wasm to fetch it when a host gives it none */
const GLUE = /[\\/]@jitl[\\/]quickjs-wasmfile-release-sync[\\/]dist[\\/]emscripten-module[^\\/]*\.mjs$/
const GLUE_REFERENCE = 'new URL("emscripten-module.wasm",import.meta.url)'

/**
 * A library build inlines every asset it finds (Vite ignores
 * `assetsInlineLimit` with `build.lib`), and QuickJS's glue names its wasm
 * the way Vite finds: the SDK shipped the 500 kB wasm twice, as base64, once
 * for the sandbox's own `?url` import (`sandbox-worker.ts`, which compiles
 * it once and gives each module's instance the compiled module) and once in
 * the glue, which never fetches it when given a module. This hides the
 * glue's reference from the bundler, with the same meaning at run time; a
 * glue that no longer has it fails the build rather than doubling it again.
 */
export function quickjsWasmOnce (): Plugin {
  return {
    name: 'edgeway:quickjs-wasm-once',
    enforce: 'pre',
    transform (code, id) {
      if (!GLUE.test(id)) return
      if (!code.includes(GLUE_REFERENCE)) {
        this.error(`${id} no longer names its wasm as ${GLUE_REFERENCE}: see build/quickjs-wasm-once.ts`)
      }
      return { code: code.replace(GLUE_REFERENCE, 'new URL("emscripten-module.wasm",import.meta["url"])'), map: null }
    }
  }
}
