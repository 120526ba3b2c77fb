import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { oneCopyPerVersion } from './build/one-copy-per-version.ts'
import { SW_SHIMS } from './build/sw-shims.ts'
import type { PageFiles } from './sw/page-cache.ts'

const DIST = resolve(import.meta.dirname, 'dist')

interface ManifestChunk { file: string, css?: string[], assets?: string[] }

/**
 * The page build's output (its manifest, so the names are the hashed ones
 * vite chose), for the SW to keep at install. The page is built first
 * (`npm run build`); its version is a hash of index.html and the names.
 */
function pageFiles (): PageFiles {
  const manifest = pageManifest()
  let html: string
  try {
    html = readFileSync(resolve(DIST, 'index.html'), 'utf8')
  } catch (err) {
    throw new Error(`the service worker is built after the page (npm run build): ${err instanceof Error ? err.message : String(err)}`)
  }
  const assets = new Set(Object.values(manifest).flatMap(chunk => [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]))
  const files = ['/index.html', ...[...assets].filter(file => file !== 'index.html').sort().map(file => `/${file}`)]
  const version = createHash('sha256').update(html).update(files.join('\n')).digest('hex').slice(0, 12)
  return { files, version }
}

function pageManifest (): Record<string, ManifestChunk> {
  try {
    return JSON.parse(readFileSync(resolve(DIST, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>
  } catch (err) {
    throw new Error(`the service worker is built after the page (npm run build): ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** A page script of the page build (vite.config.ts's `loader` and `progress` entries), which the SW's pages name */
function pageScript (entry: string): string {
  const file = pageManifest()[entry]?.file
  if (file == null) {
    throw new Error(`the page build has no ${entry} entry (vite.config.ts)`)
  }
  return file
}

/**
 * The service worker: one classic script at /sw.js. A SW may not call
 * dynamic import(), so everything is inlined into a single IIFE bundle, and
 * every first visit parses all of it (e2e/bundle-size.spec.ts keeps a budget).
 * Two of verified-fetch's small dependencies are shimmed (build/sw-shims.ts).
 */
export default defineConfig({
  publicDir: false,
  plugins: [oneCopyPerVersion()],
  resolve: { alias: SW_SHIMS },
  define: {
    __EDGEWAY_PAGE__: JSON.stringify(pageFiles()),
    __EDGEWAY_LOADER__: JSON.stringify(pageScript('src/ui/loader/main.ts')),
    __EDGEWAY_PROGRESS__: JSON.stringify(pageScript('src/ui/progress/main.ts'))
  },
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
