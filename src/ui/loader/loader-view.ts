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

function element<K extends keyof HTMLElementTagNameMap> (tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

/**
 * Builds the page inside the SW's shell (sw/loader-page.ts keeps the SW's
 * part to a title and the `fetch-progress` line). `address` is shown as
 * text, never as markup.
 */
export function mountLoaderView (address: string): LoaderView {
  document.head.append(element('style', { textContent: style }))
  const progress = document.getElementById('fetch-progress') ?? element('p', { id: 'fetch-progress' })
  progress.className = 'progress'
  progress.dataset.testid = 'fetch-progress'
  progress.dataset.bytes ??= '0'
  const steps = element('ol', { className: 'steps' }, ...STEPS.map(([step, text]) => {
    const item = element('li', {}, text)
    item.dataset.step = step
    return item
  }))
  const bar = element('progress')
  bar.setAttribute('aria-label', 'Fetching')
  const error = element('p', { className: 'error', hidden: true })
  error.setAttribute('role', 'alert')
  const main = element('main', { className: 'loader' },
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

/** The page's look: system colours (light and dark), one column that fits 360 px */
const style = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; background: Canvas; color: CanvasText; }
.loader { max-width: 36rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
.why, .note { color: GrayText; margin: 0 0 1rem; }
.note { font-size: .85rem; margin-top: 1.5rem; }
.address { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; padding: .5rem .75rem; border-radius: .4rem; background: color-mix(in srgb, CanvasText 7%, Canvas); }
.steps { padding-left: 1.4rem; margin: 1.25rem 0; }
.steps li { color: GrayText; margin: .3rem 0; }
.steps li[data-state="active"] { color: CanvasText; font-weight: 600; }
.steps li[data-state="done"] { color: CanvasText; }
.steps li[data-state="done"]::after { content: " ✓"; color: #2a8a4a; }
progress { width: 100%; height: .6rem; }
.progress { font-variant-numeric: tabular-nums; margin: .5rem 0 0; }
.error { color: #b3261e; font-weight: 600; }
.error a { color: inherit; }
`
