import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
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
  '.map': 'application/json',
  '.wasm': 'application/wasm'
}

/**
 * Streams a file from the built page (dist/). Returns false when there is no
 * such file, so the caller can answer 404.
 */
export async function serveStatic (root: string, pathname: string, res: ServerResponse, headers: Record<string, string> = {}): Promise<boolean> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname)
  } catch {
    return false
  }
  const relative = normalize(decoded)
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
  // a file removed mid-read (a rebuild) or a client gone away ends this response, not the server
  await pipeline(createReadStream(file), res).catch(() => { res.destroy() })
  return true
}
