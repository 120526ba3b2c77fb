import { nameHeaders } from '../gateway/name-response.ts'
import type { ContentRequest } from '../content-request.ts'
import type { ContentStep } from './index.ts'

/**
 * The answer, saying what it used (`X-Edgeway-Source`, `X-Edgeway-Bytes`),
 * when its first byte was ready (`Server-Timing`) and, for a name, what it
 * rests on. The headers are set on the response itself, not on a copy.
 *
 * The request lives until its body is read: a body the file plugin streams
 * already reports to the request (`RequestState.body`); any other body is
 * passed through a stream that does, after its first bytes were read, so the
 * headers count the blocks that made them.
 */
export const instrument: ContentStep = {
  name: 'instrument',
  async run (request) {
    const response = request.response
    if (response == null) {
      throw new TypeError('instrument runs after verified-fetch')
    }
    const watched = request.state?.answer
    if (watched != null && watched.response !== response) {
      // verified-fetch answered without the plugin's body (a 304, a HEAD): nothing reads it
      await watched.response.body?.cancel().catch(() => {})
    }
    if (response.body == null) {
      request.finish()
      return withHeaders(request, response, null)
    }
    if (watched?.response === response) {
      if (watched.failed != null) {
        // why it failed, before cancelling the body ends the watchdog too
        const err = request.watchdog.fired ? request.unavailable() : watched.failed
        await response.body.cancel().catch(() => {})
        return request.fail(err)
      }
      return withHeaders(request, response, response.body)
    }
    return watchedBody(request, response)
  }
}

/** A body from elsewhere (verified-fetch's own plugins, a rendered page), re-piped so it reports to the request. */
async function watchedBody (request: ContentRequest, response: Response): Promise<Response> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let first: ReadableStreamReadResult<Uint8Array>
  try {
    first = await reader.read()
  } catch (err) {
    return request.fail(request.watchdog.fired ? request.unavailable() : err)
  }
  if (first.done === true) {
    request.finish()
    return withHeaders(request, response, null)
  }
  const watch = request.bodyWatch
  const body = new ReadableStream<Uint8Array>({
    start (controller) {
      controller.enqueue(first.value)
    },
    async pull (controller) {
      try {
        const { done, value } = await reader.read()
        watch.progressed()
        if (done) {
          watch.ended()
          controller.close()
        } else {
          controller.enqueue(value)
        }
      } catch (err) {
        controller.error(watch.failed(err))
      }
    },
    async cancel (reason) {
      watch.cancelled(reason)
      await reader.cancel(reason).catch(() => {})
    }
  })
  return withHeaders(request, response, body)
}

/**
 * `response` with the request's headers. The same response when its body
 * stays and its headers can be changed; a new one only around a new body.
 */
function withHeaders (request: ContentRequest, response: Response, body: ReadableStream<Uint8Array> | null): Response {
  if (body === response.body) {
    try {
      nameHeaders(request.sourceHeaders(undefined, true, response.headers), request.requested, request.name)
      return response
    } catch {
      // immutable headers (a redirect made by `Response.redirect`): a copy below
    }
  }
  const headers = nameHeaders(request.sourceHeaders(response.headers), request.requested, request.name)
  return new Response(body, { status: response.status, statusText: response.statusText, headers })
}
