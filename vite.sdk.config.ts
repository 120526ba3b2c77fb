import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'

/** The SDK as one ES module at /sdk/edgeway.js, for dApps to import. */
export default defineConfig({
  plugins: [oneCopyPerVersion()],
  publicDir: false,
  build: {
    outDir: 'dist/sdk',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    rollupOptions: {
      // shared code stays in edgeway.js; only the in-page peer (loaded when a client asks for one) is a chunk of its own
      preserveEntrySignatures: 'allow-extension'
    },
    lib: {
      entry: resolve(import.meta.dirname, 'src/sdk/index.ts'),
      formats: ['es'],
      fileName: () => 'edgeway.js'
    }
  }
})
