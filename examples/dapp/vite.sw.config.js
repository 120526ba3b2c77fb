import { defineConfig } from 'vite'

/** The dApp's own service worker, one classic script at /sw.js that wires in edgeway/sw */
export default defineConfig({
  publicDir: false,
  build: {
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: 'src/sw.ts', formats: ['iife'], name: 'dappSw', fileName: () => 'sw.js' }
  }
})
