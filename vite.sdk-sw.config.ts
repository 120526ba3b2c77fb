import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'
import { SW_SHIMS } from './build/sw-shims.ts'

/**
 * The SDK's service-worker entry, dist/sdk/sw.js: one ES module with no
 * chunks and no dynamic import() (a SW may not call it), for a dApp's own SW
 * to import or bundle. Same shims as the gateway's SW (vite.sw.config.ts).
 */
export default defineConfig({
  publicDir: false,
  plugins: [oneCopyPerVersion()],
  resolve: { alias: SW_SHIMS },
  build: {
    outDir: 'dist/sdk',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    rollupOptions: { output: { codeSplitting: false } },
    lib: {
      entry: resolve(import.meta.dirname, 'sw/edgeway-handler.ts'),
      formats: ['es'],
      fileName: () => 'sw.js'
    }
  }
})
