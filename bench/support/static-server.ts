import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8'
}

/**
 * The anchors' server: a plain Node static server on loopback, the kind a site
 * is served from without Edgeway. It serves
 * - `/files/…` the benchmark content, unverified, never cached by the browser;
 * - `/cached/…` the same files under a service worker that answers from the
 *   Cache API (the browser-cache anchor), with `/cached/sw.js` and a page;
 * - `/blank.html`, and `/isolated.html` (cross-origin isolated, for finer timers);
 * - `/pages/<name>.html` bench pages that load `/pages/<name>.js` (bench/.build).
 */
export async function startStaticServer (contentDir: string, pagesDir: string): Promise<{ url: string, stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    void (async () => {
      if (path === '/cached/sw.js') {
        return send(res, 200, '.js', CACHE_SW)
      }
      if (path === '/blank.html' || path === '/cached/page.html') {
        return send(res, 200, '.html', '<!doctype html><meta charset="utf-8"><title>bench</title><body></body>')
      }
      if (path === '/isolated.html') {
        // cross-origin isolated: the page's performance.now() counts in 5 µs steps, not 100 µs (what it fetches
        // must allow it with CORS, as the edges, the gateway's SDK and the anchors' handlers do)
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
        return send(res, 200, '.html', '<!doctype html><meta charset="utf-8"><title>bench, isolated</title><body></body>')
      }
      const page = /^\/pages\/([a-z-]+)\.html$/.exec(path)
      if (page != null) {
        return send(res, 200, '.html', `<!doctype html><meta charset="utf-8"><title>${page[1]}</title><body><script type="module" src="/pages/${page[1]}.js"></script></body>`)
      }
      if (path.startsWith('/pages/')) {
        return serveFile(pagesDir, path.slice('/pages'.length), res)
      }
      if (path.startsWith('/files/')) {
        return serveFile(contentDir, path.slice('/files'.length), res)
      }
      if (path.startsWith('/cached/files/')) {
        return serveFile(contentDir, path.slice('/cached/files'.length), res)
      }
      send(res, 404, '.txt', 'not found')
    })().catch(() => { res.destroy() })
  })
  return listenOnLoopback(server)
}

/** Answers from the Cache API when it has the request, else from the network. */
const CACHE_SW = `
self.addEventListener('install', () => { self.skipWaiting() })
self.addEventListener('activate', event => { event.waitUntil(self.clients.claim()) })
self.addEventListener('fetch', event => {
  event.respondWith(caches.match(event.request).then(hit => hit ?? fetch(event.request)))
})
`

export function send (res: import('node:http').ServerResponse, status: number, ext: string, body: string): void {
  res.writeHead(status, { 'Content-Type': TYPES[ext], 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

export async function serveFile (root: string, relative: string, res: import('node:http').ServerResponse): Promise<void> {
  const base = resolve(root)
  const file = join(base, normalize(decodeURIComponent(relative)))
  const info = file.startsWith(base + sep) ? await stat(file).catch(() => null) : null
  if (info == null || !info.isFile()) {
    return send(res, 404, '.txt', 'not found')
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'Cache-Control': 'no-store'
  })
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), res)
}

/** `server` listening on a free loopback port, with a stop that ends its open connections too */
export async function listenOnLoopback (server: Server): Promise<{ url: string, stop(): Promise<void> }> {
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}
