import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'

/** The gateway page. The service worker and the SDK have configs of their own (vite.sw.config.ts, vite.sdk.config.ts). */
export default defineConfig({
  plugins: [oneCopyPerVersion()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the file names the SW keeps for offline use (vite.sw.config.ts reads it)
    manifest: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        // the page the SW answers a link only other browsers hold with (sw/handlers/loader.ts)
        loader: resolve(import.meta.dirname, 'src/ui/loader/main.ts')
      }
    }
  }
})
