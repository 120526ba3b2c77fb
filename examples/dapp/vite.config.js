import { defineConfig } from 'vite'

/** The dApp's page; its service worker is built by vite.sw.config.js */
export default defineConfig({
  // the SDK's content engine is one chunk of ~1 MB, loaded on the first fetch in the page only
  build: { target: 'es2022', emptyOutDir: true, chunkSizeWarningLimit: 1500 }
})
