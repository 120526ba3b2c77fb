import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { bootstrapPage } from '../../edge/gateway/bootstrap-page.ts'
import { limitServiceWorker } from './limit-sw.ts'
import { listenOnLoopback, send, serveFile } from './static-server.ts'
import type { FileFact } from './content.ts'
import type { Page } from 'playwright-core'

/**
 * Edgeway's blocks: the edge imports with ipfs-unixfs-importer's default
 * chunker, 256 KiB raw leaves, so the limit hashes and answers in the same
 * blocks.
 */
export const BLOCK_BYTES = 256 * 1024

const SHA256_BYTES = 32

/**
 * The limit's server: a tiny loopback server on an origin of its own (no
 * Edgeway code, no other service worker) that serves
 * - `/page.html`, a blank page, and `/sw.js`, the minimal service worker;
 * - `/files/<path>`, the benchmark content, as plain HTTP;
 * - `/files/<path>.blocks`, the SHA-256 of each of the file's blocks, one
 *   after the other (32 bytes each): what a CID tree tells a verifier
 *   (`?tampered`: with the last one wrong, to show the SW does check);
 * - `/vf-sw.js`, vanilla verified-fetch as a service worker against `edge`
 *   (bench/pages/vanilla-sw.ts, built into `pagesDir`), and at `/vf/ipfs/…`
 *   the bootstrap page Edgeway's gateway answers, installing that SW instead:
 *   a first visit through the least a verified-fetch SW does.
 */
export async function startLimitServer (contentDir: string, files: FileFact[], { pagesDir, edge }: { pagesDir: string, edge: string }): Promise<{ url: string, stop(): Promise<void> }> {
  const digests = new Map<string, Buffer>()
  for (const file of files) {
    digests.set(`/files/${file.path}.blocks`, blockDigests(await readFile(join(contentDir, file.path))))
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    void (async () => {
      if (path === '/page.html') {
        return send(res, 200, '.html', '<!doctype html><meta charset="utf-8"><title>limit</title><body></body>')
      }
      if (path === '/sw.js') {
        return send(res, 200, '.js', limitServiceWorker(BLOCK_BYTES, SHA256_BYTES))
      }
      if (path === '/vf-sw.js') {
        return serveFile(pagesDir, '/vanilla-sw.js', res)
      }
      if (path.startsWith('/vf/ipfs/')) {
        return send(res, 200, '.html', bootstrapPage(`/vf-sw.js?edge=${encodeURIComponent(edge)}`))
      }
      const blocks = digests.get(path)
      if (blocks != null) {
        const body = new URL(req.url ?? '/', 'http://x').searchParams.has('tampered') ? tamper(blocks) : blocks
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.byteLength), 'Cache-Control': 'no-store' })
        res.end(body)
        return
      }
      if (path.startsWith('/files/')) {
        return serveFile(contentDir, path.slice('/files'.length), res)
      }
      send(res, 404, '.txt', 'not found')
    })().catch(() => { res.destroy() })
  })
  return listenOnLoopback(server)
}

function blockDigests (bytes: Buffer): Buffer {
  const out = Buffer.alloc(Math.ceil(bytes.byteLength / BLOCK_BYTES) * SHA256_BYTES)
  for (let index = 0; index * BLOCK_BYTES < bytes.byteLength; index++) {
    createHash('sha256').update(bytes.subarray(index * BLOCK_BYTES, (index + 1) * BLOCK_BYTES)).digest().copy(out, index * SHA256_BYTES)
  }
  return out
}

/** The digests with one bit of the last block's flipped: what a lying source would make the SW check against. */
function tamper (digests: Buffer): Buffer {
  const copy = Buffer.from(digests)
  copy[copy.byteLength - 1] ^= 1
  return copy
}

/** Where the limit takes a file's bytes from: its own memory (warm) or the plain server on its origin (cold). */
export type LimitSource = 'memory' | 'network'

/** The URL a page under the limit's SW reads: with `sha256`, every block is hashed and compared before it is answered. */
export function limitUrl (source: LimitSource, sha256: boolean, path: string): string {
  return `/limit/${source}/${sha256 ? 'sha256' : 'none'}/${path}`
}

/** Has the limit's SW take `path`'s block digests ahead of a cold read of it (not timed). */
export async function knowLimitDigests (page: Page, path: string): Promise<void> {
  await page.evaluate(async (path) => {
    const response = await fetch(`/limit/digests/${path}`)
    if (!response.ok) {
      throw new Error(`the limit's SW could not take the digests of ${path}: ${response.status}`)
    }
  }, path)
}

/** A page on the limit's origin with its minimal service worker installed and controlling. */
export async function openLimit (limit: string, page: Page): Promise<void> {
  await page.goto(`${limit}/page.html`)
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' })
    await navigator.serviceWorker.ready
  })
  await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 })
}

export class LimitCheckError extends Error {
  static name = 'LimitCheckError'
  name = 'LimitCheckError'
}

/**
 * Reads `path` through the limit's hashing path against digests with the
 * last one wrong: the body must fail on its last block. A limit that hashed
 * without comparing would be a faster limit than any verifier can reach.
 */
export async function expectLimitRejectsTampered (page: Page, path: string): Promise<void> {
  const outcome = await page.evaluate(async (url) => {
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      return `answered ${response.status} with the whole body`
    } catch (err) {
      return `failed: ${err instanceof Error ? err.message : String(err)}`
    }
  }, `${limitUrl('network', true, path)}?tampered`)
  if (!outcome.startsWith('failed')) {
    throw new LimitCheckError(`the limit's SW did not reject a block whose digest was wrong: it ${outcome}`)
  }
}

/**
 * Has the limit's SW take `path` and its block digests into memory (not
 * timed). A memory read answers 409 when the SW has lost them (the browser
 * may stop an idle SW), so a read that fetched again is never timed as one
 * from memory.
 */
export async function keepInLimitMemory (page: Page, path: string): Promise<void> {
  await page.evaluate(async (path) => {
    const response = await fetch(`/limit/keep/${path}`)
    if (!response.ok) {
      throw new Error(`the limit's SW could not keep ${path}: ${response.status}`)
    }
  }, path)
}
