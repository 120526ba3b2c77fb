import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FETCH_PROGRESS_HEADER, FETCH_PROGRESS_MESSAGE } from '../lib/fetch-progress-messages.ts'
import { fetchThroughSw } from './sw-fetch-progress.ts'

/** A page's SW container: messages are dispatched by the test, listeners counted */
class FakeContainer extends EventTarget {
  listeners = 0
  startMessages (): void {}
  override addEventListener (...args: Parameters<EventTarget['addEventListener']>): void { this.listeners++; super.addEventListener(...args) }
  override removeEventListener (...args: Parameters<EventTarget['removeEventListener']>): void { this.listeners--; super.removeEventListener(...args) }
  post (data: unknown): void { this.dispatchEvent(new MessageEvent('message', { data })) }
}

/** A SW that answers with a body the test controls, echoing the id (or not) */
function swAnswering (echo: boolean): { sent: () => string, close(): void, enqueue(bytes: number): void } {
  let id = ''
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({ start: c => { controller = c } })
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    id = new Headers(init.headers).get(FETCH_PROGRESS_HEADER) ?? ''
    return new Response(body, { headers: echo ? { [FETCH_PROGRESS_HEADER]: id } : {} })
  })
  return { sent: () => id, close: () => { controller.close() }, enqueue: bytes => { controller.enqueue(new Uint8Array(bytes)) } }
}

beforeEach(() => { vi.stubGlobal('location', new URL('http://127.0.0.1:5173/app/')) })
afterEach(() => { vi.unstubAllGlobals() })

describe('fetchThroughSw', () => {
  it('reports what the SW posts for this fetch, and ends the body only after the SW says done', async () => {
    const container = new FakeContainer()
    const sw = swAnswering(true)
    const seen: number[] = []
    const response = await fetchThroughSw(container as unknown as ServiceWorkerContainer, '/ipfs/bafy/f', { onProgress: ({ bytes }) => { seen.push(bytes) } })
    const id = sw.sent()
    expect(id).toMatch(/^[\w-]{1,64}$/)
    container.post({ type: FETCH_PROGRESS_MESSAGE, id, source: 'edge', blocks: 1, bytes: 3 })
    container.post({ type: FETCH_PROGRESS_MESSAGE, id: 'another fetch', source: 'edge', blocks: 1, bytes: 100 })
    sw.enqueue(3)
    sw.close()
    let read = false
    const whole = response.arrayBuffer().then(body => { read = true; return body })
    await new Promise(resolve => setTimeout(resolve, 0))
    // the bytes are all here, the SW's last word is not: the body waits
    expect(read).toBe(false)
    container.post({ type: FETCH_PROGRESS_MESSAGE, id, source: 'cache', blocks: 1, bytes: 2 })
    container.post({ type: FETCH_PROGRESS_MESSAGE, id, done: true })
    expect((await whole).byteLength).toBe(3)
    expect(seen).toEqual([3, 5])
    expect(container.listeners).toBe(0)
  })

  it('hands on the response of a SW that does not report, and stops listening', async () => {
    const container = new FakeContainer()
    const sw = swAnswering(false)
    const response = await fetchThroughSw(container as unknown as ServiceWorkerContainer, '/ipfs/bafy/f', { onProgress: () => {} })
    expect(container.listeners).toBe(0)
    sw.enqueue(4)
    sw.close()
    expect((await response.arrayBuffer()).byteLength).toBe(4)
  })

  it('is a plain fetch without onProgress, and for another origin (no header to preflight): no header, no listener', async () => {
    const container = new FakeContainer()
    const sw = swAnswering(true)
    await fetchThroughSw(container as unknown as ServiceWorkerContainer, '/ipfs/bafy/f', {})
    expect(sw.sent()).toBe('')
    await fetchThroughSw(container as unknown as ServiceWorkerContainer, 'https://gateway.example/ipfs/bafy/f', { onProgress: () => {} })
    expect(sw.sent()).toBe('')
    expect(container.listeners).toBe(0)
  })
})
