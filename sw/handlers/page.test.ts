import { describe, expect, it } from 'vitest'
import { pageHandler } from './page.ts'
import { runHandler } from '../pipeline.ts'
import type { PageHandlerComponents } from './page.ts'

const ORIGIN = 'http://localhost:8080'
const FILES = ['/index.html', '/assets/main-abc.js']

/** The Cache methods the handler uses, over a Map keyed by path. */
function memoryCache (entries: Record<string, string> = {}): Cache & { paths(): string[] } {
  const kept = new Map(Object.entries(entries).map(([path, body]) => [path, new Response(body)]))
  return {
    async match (key: RequestInfo | URL) { return kept.get(String(key))?.clone() },
    async put (key: RequestInfo | URL, response: Response) { kept.set(String(key), response) },
    paths: () => [...kept.keys()]
  } as unknown as Cache & { paths(): string[] }
}

function components (cache: Cache, network: typeof fetch): PageHandlerComponents {
  return {
    origin: ORIGIN,
    page: { files: new Set(FILES), open: async () => cache },
    cachedConfig: async () => Response.json({ edges: ['http://kept.example'] }),
    fetch: network,
    networkTimeoutMs: 200
  }
}

const offline: typeof fetch = async () => { throw new TypeError('Failed to fetch') }
const online = (body: string): typeof fetch => async () => new Response(body)
const hanging: typeof fetch = async (_url, init) => new Promise((_resolve, reject) => {
  init?.signal?.addEventListener('abort', () => { reject(init.signal?.reason) })
})

async function answer (handler: ReturnType<typeof pageHandler>, path: string, waitUntil?: (p: Promise<unknown>) => void): Promise<Response> {
  const url = new URL(path, ORIGIN)
  return runHandler(handler, new Request(url), url, waitUntil)
}

describe('the gateway page handler', () => {
  it('claims the page, its built files and edgeway.json on its own origin only', () => {
    const handler = pageHandler(components(memoryCache(), offline))
    const claims = (url: string, method = 'GET'): boolean => handler.canHandle(new Request(url, { method }), new URL(url))
    expect(claims(`${ORIGIN}/`)).toBe(true)
    expect(claims(`${ORIGIN}/index.html`)).toBe(true)
    expect(claims(`${ORIGIN}/assets/main-abc.js`)).toBe(true)
    expect(claims(`${ORIGIN}/edgeway.json`)).toBe(true)
    expect(claims(`${ORIGIN}/assets/other.js`)).toBe(false)
    expect(claims(`${ORIGIN}/ipfs/bafy`)).toBe(false)
    expect(claims('http://127.0.0.1:9000/')).toBe(false)
    expect(claims(`${ORIGIN}/`, 'POST')).toBe(false)
  })

  it('answers the page from the server while it answers, and from the cache when it does not', async () => {
    const cache = memoryCache({ '/index.html': 'kept page' })
    expect(await (await answer(pageHandler(components(cache, online('fresh page'))), '/')).text()).toBe('fresh page')
    expect(await (await answer(pageHandler(components(cache, offline)), '/')).text()).toBe('kept page')
    expect(await (await answer(pageHandler(components(cache, hanging)), '/index.html')).text()).toBe('kept page')
  })

  it('answers edgeway.json from the copy the SW kept when the server is away', async () => {
    const response = await answer(pageHandler(components(memoryCache(), offline)), '/edgeway.json')
    expect(await response.json()).toEqual({ edges: ['http://kept.example'] })
  })

  it('answers hashed assets from the cache first, and keeps one it did not have', async () => {
    const cache = memoryCache({ '/assets/main-abc.js': 'kept script' })
    expect(await (await answer(pageHandler(components(cache, online('network script'))), '/assets/main-abc.js')).text()).toBe('kept script')

    const empty = memoryCache()
    const writes: Array<Promise<unknown>> = []
    const response = await answer(pageHandler(components(empty, online('network script'))), '/assets/main-abc.js', p => { writes.push(p) })
    expect(await response.text()).toBe('network script')
    await Promise.all(writes)
    expect(empty.paths()).toEqual(['/assets/main-abc.js'])
  })

  it('is an error page, not a hang, when neither the server nor the cache has the page', async () => {
    const response = await answer(pageHandler(components(memoryCache(), offline)), '/')
    expect(response.status).toBe(500)
  })
})
