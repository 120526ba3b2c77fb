import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'

/** Pages the benchmark opens next to Edgeway's own: vanilla verified-fetch, the SDK in a page, the hash-cost page and the WebRTC limit. */
export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  plugins: [oneCopyPerVersion()],
  // the SDK page's function sandbox Worker is a module worker, as in the SDK's own build
  worker: { format: 'es' },
  build: {
    outDir: 'bench/.build',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    lib: {
      entry: {
        vanilla: resolve(import.meta.dirname, 'bench/pages/vanilla.ts'),
        sdk: resolve(import.meta.dirname, 'bench/pages/sdk.ts'),
        hash: resolve(import.meta.dirname, 'bench/pages/hash.ts'),
        webrtc: resolve(import.meta.dirname, 'bench/pages/webrtc.ts')
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`
    }
  }
})
