import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { ServerResponse } from 'node:http'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json'
}

/**
 * Streams a file from the built page (dist/). Returns false when there is no
 * such file, so the caller can answer 404.
 */
export async function serveStatic (root: string, pathname: string, res: ServerResponse, headers: Record<string, string> = {}): Promise<boolean> {
  const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname))
  const file = join(root, relative)
  if (!file.startsWith(root + sep)) {
    return false
  }
  const info = await stat(file).catch(() => null)
  if (info == null || !info.isFile()) {
    return false
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    // hashed asset names never change; the page, the SW and the SDK must revalidate
    'Cache-Control': relative.startsWith(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...headers
  })
  createReadStream(file).pipe(res)
  return true
}
