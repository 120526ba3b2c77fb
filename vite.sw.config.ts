import { resolve } from 'node:path'
import { defineConfig } from 'vite'

/**
 * The service worker: one classic script at /sw.js. A SW may not call
 * dynamic import(), so everything is inlined into a single IIFE bundle.
 */
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    lib: {
      entry: resolve(import.meta.dirname, 'sw/sw.ts'),
      formats: ['iife'],
      name: 'edgewaySw',
      fileName: () => 'sw.js'
    }
  }
})
