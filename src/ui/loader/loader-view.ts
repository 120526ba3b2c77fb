import { SHELL_STYLE, element, progressParts } from '../shell-page.ts'

export type Step = 'peer' | 'peers' | 'fetch' | 'show'

const STEPS: Array<[Step, string]> = [
  ['peer', 'Starting this tab\'s peer'],
  ['peers', 'Looking for browsers that hold it'],
  ['fetch', 'Fetching and verifying'],
  ['show', 'Showing it']
]

/** What the loader page shows: the steps, the bytes so far (`fetch-progress`, `data-bytes`), or why it stopped. */
export interface LoaderView {
  enter(step: Step): void
  say(text: string, bytes?: number): void
  /** Shows why it stopped, with a link that opens the loader again (`retry`) */
  fail(text: string, retry: string): void
}

/**
 * Builds the page inside the SW's shell (sw/loader-page.ts keeps the SW's
 * part to a title and the `fetch-progress` line). `address` is shown as
 * text, never as markup.
 */
export function mountLoaderView (address: string): LoaderView {
  document.head.append(element('style', { textContent: SHELL_STYLE + style }))
  const { progress, bar, error } = progressParts()
  const steps = element('ol', { className: 'steps' }, ...STEPS.map(([step, text]) => {
    const item = element('li', {}, text)
    item.dataset.step = step
    return item
  }))
  const main = element('main', { className: 'loader column' },
    element('h1', {}, 'Opening shared content'),
    element('p', { className: 'why' }, 'No edge server holds this content, but other browsers do. This tab fetches it from them and checks every block against its hash before showing it.'),
    element('p', { className: 'address' }, address),
    steps,
    bar,
    progress,
    error,
    element('p', { className: 'note' }, 'This tab only fetches: it shares nothing with other browsers.')
  )
  main.dataset.testid = 'loader'
  document.body.replaceChildren(main)
  return {
    enter (step) {
      const at = STEPS.findIndex(([s]) => s === step)
      steps.querySelectorAll('li').forEach((item, index) => {
        item.dataset.state = index < at ? 'done' : index === at ? 'active' : 'waiting'
      })
    },
    say (text, bytes) {
      progress.textContent = text
      if (bytes != null) {
        progress.dataset.bytes = String(bytes)
      }
    },
    fail (text, retry) {
      const again = element('a', { href: retry }, 'Try again')
      error.replaceChildren(`${text} `, again)
      error.hidden = false
      progress.dataset.state = 'failed'
      bar.hidden = true
    }
  }
}

/** Beyond the shell's look: the steps */
const style = `
.why, .note { color: GrayText; margin: 0 0 1rem; }
.note { font-size: .85rem; margin-top: 1.5rem; }
.steps { padding-left: 1.4rem; margin: 1.25rem 0; }
.steps li { color: GrayText; margin: .3rem 0; }
.steps li[data-state="active"] { color: CanvasText; font-weight: 600; }
.steps li[data-state="done"] { color: CanvasText; }
.steps li[data-state="done"]::after { content: " ✓"; color: #2a8a4a; }
.progress { margin: .5rem 0 0; }
.error { font-weight: 600; }
`
