import { describeError } from '../../lib/error-to-response.ts'
import { formatBytes } from '../../lib/format-bytes.ts'
import { SHELL_STYLE, element, progressParts } from '../shell-page.ts'
import type { NavigationProgress } from '../../lib/navigation-progress.ts'

/** What the progress page shows: the bytes so far (`fetch-progress`, `data-bytes`) and their sources, or why it stopped. */
export interface ProgressView {
  say(text: string, bytes: number, sources: NavigationProgress['bytes']): void
  /**
   * Shows the failure as every error page does (`data-testid="error"`,
   * `data-status`, its title and what it means), what was tried, and a link
   * that asks again
   */
  fail(failure: { status: number, name: string, message: string }, tried: NavigationProgress['tried'], retry: string): void
}

const SOURCE_NAMES = { cache: 'this browser\'s store', edge: 'edges', peer: 'other browsers' } as const

/** `edges 1.2 MiB · this browser's store 40 kB`: the sources that gave anything */
export function describeSources (bytes: NavigationProgress['bytes']): string {
  const parts = (Object.keys(SOURCE_NAMES) as Array<keyof typeof SOURCE_NAMES>)
    .filter(source => bytes[source] > 0)
    .map(source => `${SOURCE_NAMES[source]} ${formatBytes(bytes[source])}`)
  return parts.length === 0 ? 'no source has answered yet' : `from ${parts.join(' · ')}`
}

/** Builds the page in the SW's shell (sw/loader-page.ts); `address` and everything the SW says is set as text. */
export function mountProgressView (address: string): ProgressView {
  document.head.append(element('style', { textContent: SHELL_STYLE + style }))
  const { progress, bar, error } = progressParts()
  const sources = element('p', { className: 'sources' })
  const heading = element('h1', {}, 'Fetching')
  const why = element('p', { className: 'why' }, 'Its first bytes are taking a while. Every block is checked against its hash and kept in this browser; the content shows as soon as it is all here.')
  const main = element('main', { className: 'column' },
    heading,
    why,
    element('p', { className: 'address' }, address),
    bar,
    progress,
    sources,
    error
  )
  document.body.replaceChildren(main)
  return {
    say (text, bytes, from) {
      progress.textContent = text
      progress.dataset.bytes = String(bytes)
      sources.textContent = describeSources(from)
    },
    fail ({ status, name, message }, tried, retry) {
      const { title, hint } = describeError(status, name)
      heading.textContent = title
      document.title = `${title} · Edgeway`
      why.hidden = true
      const list = (label: string, items: string[]): HTMLElement => element('li', {}, `${label}: ${items.length === 0 ? 'none' : items.join(', ')}`)
      error.replaceChildren(
        element('p', {}, hint),
        element('p', { className: 'message' }, message),
        element('p', {}, 'Tried:'),
        element('ul', {}, list('Edges', tried.edges), list('Routers (to find other providers)', tried.routers)),
        element('a', { href: retry }, 'Try again')
      )
      error.hidden = false
      error.dataset.testid = 'error'
      error.dataset.status = String(status)
      error.dataset.error = name
      progress.dataset.state = 'failed'
      bar.hidden = true
    }
  }
}

/** Beyond the shell's look: the sources line and the failure */
const style = `
.sources { color: GrayText; margin: 0 0 1rem; }
.progress { margin: .5rem 0 .25rem; }
.error { overflow-wrap: anywhere; }
.error p:first-child { font-weight: 600; }
.error .message { font-family: ui-monospace, monospace; font-size: .85rem; }
`
