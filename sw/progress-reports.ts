/// <reference lib="webworker" />
import { FETCH_PROGRESS_HEADER, FETCH_PROGRESS_ID, FETCH_PROGRESS_MESSAGE } from '../src/lib/fetch-progress-messages.ts'
import { withHeader } from '../src/lib/response-headers.ts'
import type { FetchProgressMessage } from '../src/lib/fetch-progress-messages.ts'
import type { SourceUseListener } from '../src/lib/source-tally.ts'

/** One followed request, as the content handler tells it what the response uses */
export interface ProgressReport {
  /** Blocks (and their bytes) the response used, as the content engine counts them */
  readonly onUse: SourceUseListener
  /** The content engine fetches for this request: `done` comes when it ends (body read, failed or cancelled) */
  fetching(): void
  /** Nothing more will be used: the page stops listening. Once; later calls do nothing */
  done(): void
}

export interface ProgressReportsComponents {
  /** The SW's clients: the page that asked is found by its id */
  clients: Pick<Clients, 'get'>
}

/**
 * The requests whose page asked to follow them (FETCH_PROGRESS_HEADER):
 * each block the response uses is posted to that page, and to no other,
 * then `done`. Held by Request in a WeakMap, so nothing here outlives its
 * request; a request that did not ask costs one header lookup.
 */
export class ProgressReports {
  private readonly reports = new WeakMap<Request, ProgressReport>()
  private readonly clients: Pick<Clients, 'get'>

  constructor (components: ProgressReportsComponents) {
    this.clients = components.clients
  }

  /** The report of a followed request, for the content handler */
  get (request: Request): ProgressReport | undefined {
    return this.reports.get(request)
  }

  /**
   * Answers `event` with `answer()`, followed when its page asked: the
   * response then carries the header back (the page knows it will hear
   * `done`), and what no content fetch follows is done once it is answered.
   */
  async follow (event: FetchEvent, answer: () => Promise<Response>): Promise<Response> {
    const id = event.request.headers.get(FETCH_PROGRESS_HEADER)
    if (id == null || !FETCH_PROGRESS_ID.test(id) || event.clientId === '') {
      return answer()
    }
    let fetching = false
    const report = this.open(id, event.clientId, () => { fetching = true })
    this.reports.set(event.request, report)
    try {
      return withHeader(await answer(), FETCH_PROGRESS_HEADER, id)
    } finally {
      if (!fetching) report.done()
    }
  }

  private open (id: string, clientId: string, fetching: () => void): ProgressReport {
    // one lookup per request; posting through it keeps the messages in order
    const client = this.clients.get(clientId).catch(() => undefined)
    const post = (message: FetchProgressMessage): void => {
      void client.then(page => { page?.postMessage(message) })
    }
    let ended = false
    return {
      onUse (source, blocks, bytes) {
        if (!ended) post({ type: FETCH_PROGRESS_MESSAGE, id, source, blocks, bytes })
      },
      fetching,
      done () {
        if (ended) return
        ended = true
        post({ type: FETCH_PROGRESS_MESSAGE, id, done: true })
      }
    }
  }
}
