import { describe, expect, it } from 'vitest'
import { FIRST_BYTE_MS, STREAM_FROM_BYTES, progressHandler } from './progress.ts'
import { CID_V1 } from '../../src/lib/cid-examples.ts'
import { errorToResponse } from '../../src/lib/error-to-response.ts'
import { NoProvidersError, SourceTimeoutError } from '../../src/lib/errors.ts'
import { progressStateUrl } from '../../src/lib/navigation-progress.ts'
import type { ContentHandler, ContentHooks } from './content.ts'
import type { NavigationProgress } from '../../src/lib/navigation-progress.ts'

const GATEWAY = 'localhost:8080'
const ROOT_ORIGIN = `http://${CID_V1}.ipfs.${GATEWAY}`
const PATH_ORIGIN = `http://${GATEWAY}`

/** Content that takes `delayMs` to start, using one 1000-byte edge block before it does and another after */
function slowContent (delayMs: number, answer: (hooks: ContentHooks) => Response = () => new Response('the content')): ContentHandler & { waits: Array<Promise<unknown>> } {
  const waits: Array<Promise<unknown>> = []
  return {
    id: 'content',
    waits,
    canHandle: (_request, url) => url.pathname.startsWith('/ipfs/') || url.host.includes('.ipfs.'),
    async handle (_request, _url, _waitUntil, hooks: ContentHooks = {}) {
      hooks.onUse?.('edge', 1, 1000)
      await new Promise(resolve => setTimeout(resolve, delayMs))
      hooks.signal?.throwIfAborted()
      hooks.onUse?.('edge', 1, 1000)
      return answer(hooks)
    }
  }
}

function request (url: string, init: { navigate?: boolean, accept?: string, signal?: AbortSignal } = {}): Request {
  const made = new Request(url, { headers: { Accept: init.accept ?? 'text/html,*/*' }, signal: init.signal })
  if (init.navigate !== false) Object.defineProperty(made, 'mode', { value: 'navigate' })
  return made
}

function setUp (content: ContentHandler, origin = ROOT_ORIGIN): { handle: (req: Request) => Promise<Response>, settled: () => Promise<unknown> } {
  const handler = progressHandler({ origin, gatewayHost: GATEWAY, content, tried: async () => ({ edges: ['http://edge'], routers: ['http://router'] }), script: 'assets/progress-x.js' })
  const waits: Array<Promise<unknown>> = []
  return {
    handle: async req => handler.handle(req, new URL(req.url), promise => { waits.push(promise) }),
    settled: async () => Promise.all(waits)
  }
}

async function state (handle: (req: Request) => Promise<Response>, origin: string, path: string): Promise<NavigationProgress> {
  return (await handle(request(`${origin}${progressStateUrl(path)}`, { navigate: false, accept: '*/*' }))).json() as Promise<NavigationProgress>
}

describe('progressHandler', () => {
  it('answers a navigation whose first byte is quick with the content itself', async () => {
    const { handle } = setUp(slowContent(10))
    const response = await handle(request(`${ROOT_ORIGIN}/page.html`))
    expect(await response.text()).toBe('the content')
  })

  it('answers a slow navigation with the progress page, then says the bytes by source and when it is done', async () => {
    const { handle, settled } = setUp(slowContent(FIRST_BYTE_MS + 300))
    const response = await handle(request(`${ROOT_ORIGIN}/page.html?x=<b>`))
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    const html = await response.text()
    expect(html).toContain('data-testid="fetch-progress"')
    expect(html).toContain('/_edgeway/assets/progress-x.js')
    expect(html).not.toContain('<b>')
    expect(await state(handle, ROOT_ORIGIN, '/page.html?x=<b>')).toMatchObject({ state: 'fetching', bytes: { edge: 1000 } })
    await settled()
    expect(await state(handle, ROOT_ORIGIN, '/page.html?x=<b>')).toMatchObject({ state: 'done', bytes: { edge: 2000 } })
  })

  it('goes on fetching once the progress page answered, even when the navigation\'s request ends', async () => {
    const { handle, settled } = setUp(slowContent(FIRST_BYTE_MS + 300))
    const navigation = new AbortController()
    await handle(request(`${ROOT_ORIGIN}/kept.html`, { signal: navigation.signal }))
    navigation.abort()
    await settled()
    expect(await state(handle, ROOT_ORIGIN, '/kept.html')).toMatchObject({ state: 'done', bytes: { edge: 2000 } })
  })

  it('ends the fetch with its navigation before the progress page answers', async () => {
    const { handle } = setUp(slowContent(300))
    const navigation = new AbortController()
    const answered = handle(request(`${ROOT_ORIGIN}/left.html`, { signal: navigation.signal }))
    navigation.abort()
    await expect(answered).rejects.toThrow()
  })

  it('redirects a slow navigation on a shared origin to the progress page, leaving content URLs to content', async () => {
    const { handle } = setUp(slowContent(FIRST_BYTE_MS + 300), PATH_ORIGIN)
    const response = await handle(request(`${PATH_ORIGIN}/ipfs/${CID_V1}/a.html`))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`/_edgeway/progress?path=${encodeURIComponent(`/ipfs/${CID_V1}/a.html`)}`)
    const page = await handle(request(`${PATH_ORIGIN}${response.headers.get('location')}`))
    expect(await page.text()).toContain('data-testid="fetch-progress"')
  })

  it('is done with a large file or a film at its first byte, so it streams', async () => {
    const { handle, settled } = setUp(slowContent(FIRST_BYTE_MS + 200, () => new Response('x', { headers: { 'Content-Type': 'video/webm' } })))
    await handle(request(`${ROOT_ORIGIN}/film.webm`))
    await settled()
    expect(await state(handle, ROOT_ORIGIN, '/film.webm')).toMatchObject({ state: 'done' })
    const large = setUp(slowContent(FIRST_BYTE_MS + 200, () => new Response(new ReadableStream({ pull: controller => { controller.enqueue(new Uint8Array(1)) } }), { headers: { 'Content-Length': String(STREAM_FROM_BYTES + 1) } })))
    await large.handle(request(`${ROOT_ORIGIN}/large.bin`))
    await large.settled()
    expect(await state(large.handle, ROOT_ORIGIN, '/large.bin')).toMatchObject({ state: 'done' })
  })

  it('says a failure\'s status and what was tried', async () => {
    const { handle, settled } = setUp({ ...slowContent(FIRST_BYTE_MS + 200, () => { throw new SourceTimeoutError('nothing at this path') }) })
    await handle(request(`${ROOT_ORIGIN}/missing`))
    await settled()
    expect(await state(handle, ROOT_ORIGIN, '/missing')).toMatchObject({
      state: 'failed', status: 504, error: expect.stringMatching(/^SourceTimeoutError/), tried: { edges: ['http://edge'], routers: ['http://router'] }
    })
  })

  it('says an error answer\'s status, and the name and message of the error it says', async () => {
    const { handle, settled } = setUp(slowContent(FIRST_BYTE_MS + 200, hooks => {
      const err = new NoProvidersError('no source has <it> & more')
      hooks.onError?.(err)
      return errorToResponse(err)
    }))
    await handle(request(`${ROOT_ORIGIN}/gone`))
    await settled()
    expect(await state(handle, ROOT_ORIGIN, '/gone')).toMatchObject({ state: 'failed', status: 504, error: 'NoProvidersError: no source has <it> & more' })
  })

  it('never shows progress for a fetch(), a subresource or a download, however slow', async () => {
    const { handle } = setUp(slowContent(FIRST_BYTE_MS + 200))
    for (const req of [
      request(`${ROOT_ORIGIN}/data.json`, { navigate: false }),
      request(`${ROOT_ORIGIN}/image.png`, { accept: 'image/*' }),
      request(`${ROOT_ORIGIN}/big.bin?download=true&filename=big.bin`)
    ]) {
      expect(await (await handle(req)).text()).toBe('the content')
    }
  })

  it('says a link it does not follow is unknown, so its page loads the link anew', async () => {
    const { handle } = setUp(slowContent(1))
    const response = await handle(request(`${ROOT_ORIGIN}${progressStateUrl('/never')}`, { navigate: false }))
    expect(response.status).toBe(404)
    // like every answer of the SW: its blocks by source (none) and its timing, never stored
    expect(response.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
    expect(response.headers.get('server-timing')).toMatch(/^edgeway-progress/)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })
})
