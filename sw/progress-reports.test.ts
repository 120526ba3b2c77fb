import { describe, expect, it } from 'vitest'
import { ProgressReports } from './progress-reports.ts'
import { FETCH_PROGRESS_HEADER, FETCH_PROGRESS_MESSAGE } from '../src/lib/fetch-progress-messages.ts'
import type { FetchProgressMessage } from '../src/lib/fetch-progress-messages.ts'

/** The SW's clients with one page, `page-1`, whose messages are kept */
function pages (): { clients: Pick<Clients, 'get'>, posted: FetchProgressMessage[], asked: string[] } {
  const posted: FetchProgressMessage[] = []
  const asked: string[] = []
  const page = { postMessage: (message: FetchProgressMessage) => { posted.push(message) } } as unknown as Client
  return { posted, asked, clients: { get: async (id: string) => { asked.push(id); return id === 'page-1' ? page : undefined } } }
}

function fetchEvent (headers: Record<string, string> = {}, clientId = 'page-1'): FetchEvent {
  return { request: new Request('http://localhost/ipfs/bafy/file.bin', { headers }), clientId } as unknown as FetchEvent
}

/** Lets the posts queued behind the client lookup run */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('ProgressReports', () => {
  it('leaves a request that did not ask alone: no report, no lookup, the response as it was', async () => {
    const { clients, posted, asked } = pages()
    const reports = new ProgressReports({ clients })
    const event = fetchEvent()
    const response = new Response('x')
    expect(await reports.follow(event, async () => { expect(reports.get(event.request)).toBeUndefined(); return response })).toBe(response)
    expect(response.headers.has(FETCH_PROGRESS_HEADER)).toBe(false)
    expect(asked).toEqual([])
    expect(posted).toEqual([])
  })

  it('posts each use to the page that asked, in order, then done when the fetch ends; the response says so', async () => {
    const { clients, posted } = pages()
    const reports = new ProgressReports({ clients })
    const event = fetchEvent({ [FETCH_PROGRESS_HEADER]: 'f-1' })
    const response = await reports.follow(event, async () => {
      const report = reports.get(event.request)!
      report.fetching()
      report.onUse('cache', 1, 0)
      report.onUse('edge', 1, 1000)
      return new Response('x')
    })
    expect(response.headers.get(FETCH_PROGRESS_HEADER)).toBe('f-1')
    reports.get(event.request)!.onUse('edge', 0, 24)
    reports.get(event.request)!.done()
    reports.get(event.request)!.onUse('edge', 1, 5)
    reports.get(event.request)!.done()
    await settle()
    expect(posted).toEqual([
      { type: FETCH_PROGRESS_MESSAGE, id: 'f-1', source: 'cache', blocks: 1, bytes: 0 },
      { type: FETCH_PROGRESS_MESSAGE, id: 'f-1', source: 'edge', blocks: 1, bytes: 1000 },
      { type: FETCH_PROGRESS_MESSAGE, id: 'f-1', source: 'edge', blocks: 0, bytes: 24 },
      { type: FETCH_PROGRESS_MESSAGE, id: 'f-1', done: true }
    ])
  })

  it('says done once answered when no content fetch follows the request (a redirect, an error, a kept file)', async () => {
    const { clients, posted } = pages()
    const reports = new ProgressReports({ clients })
    const event = fetchEvent({ [FETCH_PROGRESS_HEADER]: 'f-2' })
    const response = await reports.follow(event, async () => Response.redirect('http://localhost/ipfs/bafy/', 301))
    expect(response.status).toBe(301)
    expect(response.headers.get(FETCH_PROGRESS_HEADER)).toBe('f-2')
    await settle()
    expect(posted).toEqual([{ type: FETCH_PROGRESS_MESSAGE, id: 'f-2', done: true }])
  })

  it('ignores an id that is not short and plain, and a request from no page', async () => {
    const { clients, asked } = pages()
    const reports = new ProgressReports({ clients })
    for (const event of [fetchEvent({ [FETCH_PROGRESS_HEADER]: 'a b' }), fetchEvent({ [FETCH_PROGRESS_HEADER]: 'x'.repeat(65) }), fetchEvent({ [FETCH_PROGRESS_HEADER]: 'ok' }, '')]) {
      const response = await reports.follow(event, async () => new Response('x'))
      expect(response.headers.has(FETCH_PROGRESS_HEADER)).toBe(false)
    }
    expect(asked).toEqual([])
  })
})
