/** What the SW's own pages (the loader, the progress page) build on: elements made from data, never from markup, and one look. */

export function element<K extends keyof HTMLElementTagNameMap> (tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

/** Their look: system colours (light and dark), one column (`.column`) that fits 360 px */
export const SHELL_STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; background: Canvas; color: CanvasText; }
.column { max-width: 36rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
.why { color: GrayText; margin: 0 0 1rem; }
.address { font-family: ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; padding: .5rem .75rem; border-radius: .4rem; background: color-mix(in srgb, CanvasText 7%, Canvas); }
progress { width: 100%; height: .6rem; }
.progress { font-variant-numeric: tabular-nums; }
.error { color: #b3261e; }
.error a { color: inherit; }
`

/** The parts both pages show: the shell's `fetch-progress` line (`data-bytes`), a bar, and a hidden alert for a failure */
export function progressParts (): { progress: HTMLElement, bar: HTMLProgressElement, error: HTMLElement } {
  const progress = document.getElementById('fetch-progress') ?? element('p', { id: 'fetch-progress' })
  progress.className = 'progress'
  progress.dataset.testid = 'fetch-progress'
  progress.dataset.bytes ??= '0'
  const bar = element('progress')
  bar.setAttribute('aria-label', 'Fetching')
  const error = element('div', { className: 'error', hidden: true })
  error.setAttribute('role', 'alert')
  return { progress, bar, error }
}
