import { parseConfig, parseEdge } from '../lib/config.ts'
import { describeState, edgeKey } from '../lib/edge-health.ts'
import { EDGES_CHANGED_MESSAGE, EDGES_STATUS_PATH } from '../lib/edge-status.ts'
import { formatBytes } from '../lib/format-bytes.ts'
import { loadUserEdges, openEdgeDb, saveUserEdges } from '../node/edge-store.ts'
import type { EdgeListSource, EdgeStatus, EdgesReport } from '../lib/edge-status.ts'
import type { EdgeEndpoint } from '../lib/types.ts'

export interface EdgesPanelOptions {
  /**
   * How often the service worker's measurements are read
   *
   * @default 1000
   */
  intervalMs?: number
  /** Called with each report the list shows: the page's charts sample it */
  onReport?: (report: EdgesReport) => void
}

/**
 * The page's edges section. `edge-list` shows the edges the service worker
 * uses, in the order it asks them, each with its state and measurements (also
 * as `data-*` attributes), read from the SW every second. The editor below it
 * changes this origin's edge list, stored in IndexedDB where the SW reads it
 * (and told to the SW at once); reset goes back to the server's edges.
 */
export function mountEdgesPanel (doc: Document = document, options: EdgesPanelOptions = {}): void {
  const $ = <T extends HTMLElement>(id: string): T => doc.getElementById(id) as T
  const db = openEdgeDb()
  db.catch(() => {})

  const serverEdges = async (): Promise<EdgeEndpoint[]> => {
    const response = await fetch('/edgeway.json', { cache: 'no-store' })
    return parseConfig(await response.json()).edges
  }
  /** The list in force: the user's when there is one, else the server's. */
  const configured = async (): Promise<{ edges: EdgeEndpoint[], source: EdgeListSource }> => {
    const user = await loadUserEdges(await db)
    return user == null ? { edges: await serverEdges(), source: 'server' } : { edges: user, source: 'user' }
  }

  const refreshList = async (): Promise<void> => {
    const report = await readReport() ?? await configuredReport(configured)
    renderEdgeList(doc, $('edge-list'), report)
    options.onReport?.(report)
  }
  const refreshEditor = async (): Promise<void> => {
    const { edges, source } = await configured()
    renderEditor(doc, $('edge-config-list'), edges, edit)
    $('edge-config-source').textContent = source === 'user' ? 'Your list, stored in this browser.' : 'The server’s list (edgeway.json).'
    $('edge-config-source').dataset.source = source
  }
  /** Stores a changed list (undefined: back to the server's) and has the SW use it. */
  const store = async (edges: EdgeEndpoint[] | undefined): Promise<void> => {
    await saveUserEdges(await db, edges)
    navigator.serviceWorker?.controller?.postMessage({ type: EDGES_CHANGED_MESSAGE })
    await Promise.all([refreshEditor(), refreshList()])
  }
  const say = (text: string): void => {
    const error = $('edge-config-error')
    error.textContent = text
    error.hidden = text === ''
  }
  const run = (action: () => Promise<void>): void => {
    void action().then(() => { say('') }, err => { say(err instanceof Error ? err.message : String(err)) })
  }
  const edit = (change: (edges: EdgeEndpoint[]) => EdgeEndpoint[]): void => {
    run(async () => { await store(change([...(await configured()).edges])) })
  }

  $('edge-add-form').addEventListener('submit', event => {
    event.preventDefault()
    const input = $<HTMLInputElement>('edge-add-input')
    run(async () => {
      const added = parseEdge(input.value.trim())
      const { edges } = await configured()
      if (edges.some(edge => edgeKey(edge) === edgeKey(added))) {
        throw new Error(`${edgeKey(added)} is in the list already`)
      }
      await store([...edges, added])
      input.value = ''
    })
  })
  $('edge-reset').addEventListener('click', () => { run(async () => { await store(undefined) }) })
  // a SW that took control later (first visit) has measurements to show from then on
  navigator.serviceWorker?.addEventListener('controllerchange', () => { void refreshList().catch(() => {}) })

  run(refreshEditor)
  void refreshList().catch(err => { showListError(doc, $('edge-list'), err) })
  setInterval(() => { void refreshList().catch(() => {}) }, options.intervalMs ?? 1000)
}

/** The SW's report, or undefined while no SW controls the page. */
async function readReport (): Promise<EdgesReport | undefined> {
  if (navigator.serviceWorker?.controller == null) return undefined
  try {
    const response = await fetch(EDGES_STATUS_PATH, { cache: 'no-store' })
    return response.ok ? await response.json() as EdgesReport : undefined
  } catch {
    return undefined
  }
}

/** Before the SW runs: the configured edges, none measured yet. */
async function configuredReport (configured: () => Promise<{ edges: EdgeEndpoint[], source: EdgeListSource }>): Promise<EdgesReport> {
  const { edges, source } = await configured()
  return {
    source,
    edges: edges.map((edge, configIndex) => ({ key: edgeKey(edge), state: 'unmeasured', failures: 0, verificationFailures: 0, configIndex, edge }))
  }
}

function renderEdgeList (doc: Document, list: HTMLElement, report: EdgesReport): void {
  list.dataset.source = report.source
  if (report.edges.length === 0) {
    list.innerHTML = '<li class="muted">No edges configured.</li>'
    return
  }
  list.replaceChildren(...report.edges.map(status => edgeRow(doc, status)))
}

function edgeRow (doc: Document, status: EdgeStatus): HTMLElement {
  const item = doc.createElement('li')
  item.dataset.edge = status.key
  item.dataset.state = status.state
  item.dataset.configIndex = String(status.configIndex)
  item.dataset.failures = String(status.failures)
  item.dataset.verificationFailures = String(status.verificationFailures)
  if (status.latencyMs != null) item.dataset.latencyMs = String(status.latencyMs)
  if (status.bytesPerSecond != null) item.dataset.throughput = String(Math.round(status.bytesPerSecond))
  const title = doc.createElement('strong')
  title.textContent = status.key
  const state = doc.createElement('span')
  state.className = `edge-state edge-${status.state}`
  state.textContent = describeState(status.state)
  const measured = doc.createElement('span')
  measured.className = 'muted'
  measured.textContent = [
    status.latencyMs == null ? '' : `${status.latencyMs} ms to first byte`,
    status.bytesPerSecond == null ? '' : `${formatBytes(status.bytesPerSecond)}/s`,
    status.failures === 0 ? '' : `${status.failures} failed`,
    status.demotedUntil == null ? '' : `until ${new Date(status.demotedUntil).toLocaleTimeString()}`
  ].filter(text => text !== '').join(' · ')
  item.append(title, ' ', state, ' ', measured)
  for (const ma of status.edge.multiaddrs) {
    const code = doc.createElement('code')
    code.textContent = ma
    item.append(doc.createElement('br'), code)
  }
  return item
}

function renderEditor (doc: Document, list: HTMLElement, edges: EdgeEndpoint[], edit: (change: (edges: EdgeEndpoint[]) => EdgeEndpoint[]) => void): void {
  const button = (testid: string, text: string, label: string, disabled: boolean, change: (edges: EdgeEndpoint[]) => EdgeEndpoint[]): HTMLButtonElement => {
    const element = doc.createElement('button')
    element.type = 'button'
    element.dataset.testid = testid
    element.textContent = text
    element.setAttribute('aria-label', label)
    element.disabled = disabled
    element.addEventListener('click', () => { edit(change) })
    return element
  }
  list.replaceChildren(...edges.map((edge, index) => {
    const key = edgeKey(edge)
    const item = doc.createElement('li')
    item.dataset.edge = key
    const name = doc.createElement('code')
    name.textContent = key
    item.append(name, doc.createElement('br'),
      button('edge-up', '↑', `Move ${key} up`, index === 0, list => swap(list, index, index - 1)),
      button('edge-down', '↓', `Move ${key} down`, index === edges.length - 1, list => swap(list, index, index + 1)),
      button('edge-remove', 'Remove', `Remove ${key}`, false, list => list.filter((_, i) => i !== index)))
    return item
  }))
  if (edges.length === 0) {
    list.innerHTML = '<li class="muted">No edges: add one, or go back to the server’s.</li>'
  }
}

function swap (edges: EdgeEndpoint[], a: number, b: number): EdgeEndpoint[] {
  [edges[a], edges[b]] = [edges[b], edges[a]]
  return edges
}

function showListError (doc: Document, list: HTMLElement, err: unknown): void {
  const item = doc.createElement('li')
  item.className = 'error'
  item.textContent = `Could not load the configuration: ${err instanceof Error ? err.message : String(err)}`
  list.replaceChildren(item)
}
