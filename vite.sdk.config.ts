import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'
import { quickjsWasmOnce } from './build/quickjs-wasm-once.ts'

/**
 * The SDK's page entries as ES modules in dist/sdk/: `edgeway.js` (the core,
 * also served by the gateway at /sdk/edgeway.js) and `peer.js` (the in-tab
 * peer). The content engine and the peer are chunks the core loads when a
 * client needs them, so importing the core costs what e2e/bundle-size.spec.ts allows.
 * The service-worker entry is built by vite.sdk-sw.config.ts.
 */
export default defineConfig({
  plugins: [oneCopyPerVersion()],
  publicDir: false,
  // the function sandbox's Worker (src/functions/worker-runner.ts) is a module worker, as the SDK is ES modules;
  // it is bundled on its own, with these plugins
  worker: { format: 'es', plugins: () => [quickjsWasmOnce()] },
  // chunk and worker URLs relative to the module that names them, wherever dist/sdk is served from
  base: './',
  build: {
    outDir: 'dist/sdk',
    // dist/sdk is the SDK's alone: chunks of an older build must not ship with the package
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    // the function sandbox's worker and QuickJS go with the other chunks, which the package ships
    assetsDir: 'chunks',
    rollupOptions: {
      preserveEntrySignatures: 'allow-extension',
      output: { chunkFileNames: 'chunks/[name]-[hash].js' }
    },
    lib: {
      entry: {
        edgeway: resolve(import.meta.dirname, 'src/sdk/index.ts'),
        peer: resolve(import.meta.dirname, 'src/peer/index.ts')
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`
    }
  }
})
