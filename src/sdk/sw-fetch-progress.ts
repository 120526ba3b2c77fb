import { FETCH_PROGRESS_HEADER, FETCH_PROGRESS_MESSAGE } from '../lib/fetch-progress-messages.ts'
import { progressCounter } from './fetch-progress.ts'
import type { FetchProgressListener } from './fetch-progress.ts'
import type { FetchProgressDone, FetchProgressUse } from '../lib/fetch-progress-messages.ts'

/**
 * How long a body read to its end waits for the SW's `done` (after which no
 * block is reported) before it ends anyway: a net for a SW stopped between
 * its last byte and its last message, never the usual path
 *
 * @default 5000
 */
export const DONE_WAIT_MS = 5_000

export interface SwFetchInit extends RequestInit {
  onProgress?: FetchProgressListener
}

/**
 * `fetch` through the SW that controls this page, with `onProgress` told the
 * blocks the SW verifies for the response as it posts them. Without
 * `onProgress`, or for another origin's URL, it is a plain `fetch`. With it, the body ends only once the
 * SW said nothing more is used, so the last `onProgress` comes before the
 * end of the body, as in the page mode (that response is a new `Response`
 * around the same body, without `url` and `redirected`). A SW that does not
 * report (one built before it could) answers without the header back: its
 * response is handed on as it came, and `onProgress` is not called.
 */
export async function fetchThroughSw (container: ServiceWorkerContainer, resource: string, init: SwFetchInit = {}): Promise<Response> {
  const { onProgress, ...requestInit } = init
  // this origin's SW answers this origin's URLs only; another origin would see the header as a CORS preflight
  if (onProgress == null || new URL(resource, location.href).origin !== location.origin) {
    return fetch(resource, requestInit)
  }
  const id = crypto.randomUUID()
  const count = progressCounter(onProgress)
  let ended = (): void => {}
  const done = new Promise<void>(resolve => { ended = resolve })
  const listener = (event: MessageEvent): void => {
    const message = event.data as Partial<FetchProgressUse & FetchProgressDone> | null
    if (message?.type !== FETCH_PROGRESS_MESSAGE || message.id !== id) return
    if (message.done === true) {
      stop()
    } else if (message.source != null) {
      count(message.source, message.blocks ?? 0, message.bytes ?? 0)
    }
  }
  let listening = true
  const stop = (): void => {
    if (!listening) return
    listening = false
    container.removeEventListener('message', listener)
    ended()
  }
  container.addEventListener('message', listener)
  // a page's messages from its SW wait until it starts them (or the document has loaded)
  container.startMessages()
  init.signal?.addEventListener('abort', stop, { once: true })

  const headers = new Headers(requestInit.headers)
  headers.set(FETCH_PROGRESS_HEADER, id)
  let response: Response
  try {
    response = await fetch(resource, { ...requestInit, headers })
  } catch (err) {
    stop()
    throw err
  }
  if (response.headers.get(FETCH_PROGRESS_HEADER) !== id) {
    stop()
    return response
  }
  const waitForDone = async (): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([done, new Promise<void>(resolve => { timer = setTimeout(resolve, DONE_WAIT_MS) })])
    clearTimeout(timer)
    stop()
  }
  if (response.body == null) {
    // nothing to hold back: the listener goes with `done`
    void waitForDone()
    return response
  }
  // one pass-through stage in the page, only for a fetch that asked for progress
  const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: waitForDone }))
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}
