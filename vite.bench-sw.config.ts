import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'

/**
 * The benchmark's vanilla verified-fetch service worker: one classic script,
 * built like Edgeway's own (vite.sw.config.ts) so their first visits compare.
 */
export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  plugins: [oneCopyPerVersion()],
  build: {
    outDir: 'bench/.build',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    lib: {
      entry: resolve(import.meta.dirname, 'bench/pages/vanilla-sw.ts'),
      formats: ['iife'],
      name: 'vanillaSw',
      fileName: () => 'vanilla-sw.js'
    }
  }
})
