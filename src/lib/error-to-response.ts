import { escapeHtml, htmlPage } from '../content/gateway/html-page.ts'
import { EdgewayError } from './errors.ts'

export interface ErrorResponseOptions {
  /** The request's Accept header: JSON is answered when it asks for it */
  accept?: string | null
  /** Extra headers (X-Edgeway-Source, Server-Timing…) */
  headers?: HeadersInit
  /**
   * The gateway page the error page links back to (on a content root's own
   * origin, `/` is the content, not the gateway)
   *
   * @default '/'
   */
  gatewayUrl?: string
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  406: 'Not acceptable',
  412: 'Precondition failed',
  416: 'Range not satisfiable',
  500: 'Gateway error',
  501: 'Not implemented',
  502: 'Bad gateway',
  504: 'Gateway timeout'
}

/** What an error means for the reader, by its name: the status alone says too little (a 502 is a lie caught, or a name that did not resolve). */
const HINTS_BY_NAME = new Map<string, string>(Object.entries({
  VerificationError: 'A source sent bytes that did not match their hash, and no honest source had them. Nothing unverified was shown or stored.',
  NameNotFoundError: 'The name did not resolve: no record names any content for it. Check the spelling; its publisher may not have published a record yet, or it has expired. No content was fetched.',
  NameResolutionError: 'The name did not resolve: its records could not be used, or could not be looked up. No content was fetched, so nothing failed verification. Trying again later may help.',
  UnknownPathError: 'The gateway has no page at this address. Content is opened as /ipfs/<cid>/<path> or /ipns/<name>/<path>.'
}))

const HINTS: Record<number, string> = {
  400: 'The address is not a valid content address. Check the CID and the path.',
  404: 'The content exists, but nothing is at this path inside it.',
  502: 'A source could not give a usable answer for this content. Trying again later may help.',
  504: 'No edge or peer answered with this content in time. It may not be available on the network right now, or this browser is offline and does not hold it.'
}

/** The status an error maps to: Edgeway's own errors know it, anything else is a 500. */
export function statusOf (err: unknown): number {
  return err instanceof EdgewayError ? err.status : 500
}

/**
 * The single mapper from an error to what the user sees: a readable HTML page
 * with `data-testid="error"`, or JSON when the client asks for it.
 */
export function errorToResponse (err: unknown, options: ErrorResponseOptions = {}): Response {
  const status = statusOf(err)
  const name = err instanceof Error ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  return errorResponse(status, name, message, options)
}

function errorResponse (status: number, name: string, message: string, options: ErrorResponseOptions = {}): Response {
  const headers = new Headers(options.headers)
  headers.set('Cache-Control', 'no-store')
  if (wantsJson(options.accept)) {
    headers.set('Content-Type', 'application/json; charset=utf-8')
    return new Response(JSON.stringify({ status, error: name, message }), { status, headers })
  }
  headers.set('Content-Type', 'text/html; charset=utf-8')
  return new Response(errorPage(status, name, message, options.gatewayUrl ?? '/'), { status, headers })
}

function wantsJson (accept: string | null | undefined): boolean {
  return accept != null && /\bapplication\/json\b/.test(accept) && !/\btext\/html\b/.test(accept)
}

/** What an error page says of an error: its title (`504 Gateway timeout`) and what it means for the reader */
export function describeError (status: number, name: string): { title: string, hint: string } {
  return {
    title: `${status} ${TITLES[status] ?? 'Error'}`,
    hint: HINTS_BY_NAME.get(name) ?? HINTS[status] ?? 'Something went wrong while answering this request.'
  }
}

function errorPage (status: number, name: string, message: string, gatewayUrl: string): string {
  const { title, hint } = describeError(status, name)
  return htmlPage(title, `<main data-testid="error" data-status="${status}" data-error="${escapeHtml(name)}">
<h1>${escapeHtml(title)}</h1>
<p><code>${escapeHtml(message)}</code></p>
<p class="hint">${escapeHtml(hint)}</p>
<p><a href="${escapeHtml(gatewayUrl)}">Edgeway gateway</a></p>
</main>`)
}
