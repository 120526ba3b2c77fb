import { CID } from 'multiformats/cid'
import { loadUserEdges, openEdgeDb } from '../node/edge-store.ts'
import { openLocalStore } from '../node/open-local-store.ts'
import { trimVerifiedFiles } from '../content/verified-files.ts'
import { formatBytes } from '../lib/format-bytes.ts'
import { countOf } from './count-of.ts'
import type { CacheUsage, PinInfo } from '../lib/types.ts'
import type { EdgeClient } from '../sdk/index.ts'

const MiB = 1024 * 1024
const REFRESH_MS = 2_000

/**
 * The page's storage section: what the shared local store holds against its
 * budget, the budget itself, and pins. The page reads and writes the same
 * IndexedDB database as the service worker, so a budget set here is the one
 * the SW evicts by, and what is pinned here the SW never evicts. Pinning
 * fetches through an SDK client in the page, loaded on the first pin.
 */
export interface CachePanelOptions {
  /** Called with each usage the panel shows: the page's charts sample it */
  onUsage?: (usage: CacheUsage) => void
}

export function mountCachePanel (doc: Document = document, options: CachePanelOptions = {}): void {
  const $ = <T extends HTMLElement>(id: string): T => doc.getElementById(id) as T
  const store = openLocalStore()
  let client: Promise<EdgeClient> | undefined

  const sdkClient = async (): Promise<EdgeClient> => {
    client ??= (async () => {
      const [{ createEdgeClient }, config, userEdges, blockstore] = await Promise.all([
        import('../sdk/index.ts'),
        fetch('/edgeway.json', { cache: 'no-store' }).then(async response => response.json()),
        openEdgeDb().then(async db => loadUserEdges(db)).catch(() => undefined),
        store
      ])
      // the edges the SW uses: the list chosen on this page, when there is one
      return createEdgeClient({ ...config, ...(userEdges == null ? {} : { edges: userEdges }), blockstore })
    })()
    return client.catch(err => {
      client = undefined
      throw err
    })
  }

  const showUsage = (usage: CacheUsage): void => {
    const element = $('cache-usage')
    element.dataset.cachedBytes = String(usage.cachedBytes)
    element.dataset.pinnedBytes = String(usage.pinnedBytes)
    element.dataset.budgetBytes = String(usage.budgetBytes)
    element.textContent = `${formatBytes(usage.cachedBytes)} of ${formatBytes(usage.budgetBytes)}${usage.defaultBudget ? ' (default budget)' : ''}` +
      `, plus ${formatBytes(usage.pinnedBytes)} pinned`
  }

  const showPins = (pins: PinInfo[]): void => {
    const list = $('pin-list')
    list.replaceChildren(...pins.map(pin => {
      const item = doc.createElement('li')
      item.dataset.cid = pin.cid
      item.dataset.complete = String(pin.complete)
      const cid = doc.createElement('code')
      cid.textContent = pin.cid
      const detail = doc.createElement('span')
      detail.className = 'muted'
      detail.textContent = pin.complete ? ` ${formatBytes(pin.bytes)} in ${countOf(pin.blocks, 'block')}` : ' incomplete: pin it again to fetch the rest'
      const unpin = doc.createElement('button')
      unpin.type = 'button'
      unpin.dataset.testid = 'unpin-button'
      unpin.textContent = 'Unpin'
      unpin.addEventListener('click', () => {
        void run(async () => {
          await (await store).unpin(CID.parse(pin.cid))
          return `Unpinned ${pin.cid}: its blocks may now be evicted`
        })
      })
      item.append(cid, detail, doc.createElement('br'), unpin)
      return item
    }))
    if (pins.length === 0) {
      list.innerHTML = '<li class="muted">Nothing pinned.</li>'
    }
  }

  const refresh = async (): Promise<void> => {
    const local = await store
    const [usage, pins] = await Promise.all([local.usage(), local.listPins()])
    showUsage(usage)
    showPins(pins)
    options.onUsage?.(usage)
  }

  const say = (text: string, state: 'busy' | 'done' | 'error'): void => {
    const status = $('pin-status')
    status.dataset.state = state
    status.textContent = text
  }

  /** Runs one user action, says how it went, and shows the store as it is after it. */
  const run = async (action: () => Promise<string>): Promise<void> => {
    try {
      say(await action(), 'done')
    } catch (err) {
      say(err instanceof Error ? err.message : String(err), 'error')
    }
    await refresh().catch(() => {})
  }

  $('budget-form').addEventListener('submit', event => {
    event.preventDefault()
    const text = $<HTMLInputElement>('cache-budget-input').value.trim()
    const bytes = text === '' ? undefined : Math.round(Number(text) * MiB)
    void run(async () => {
      await (await store).setBudget(bytes)
      // the whole files the SW keeps take a share of the same budget (none at 0)
      const local = await store
      await trimVerifiedFiles((await local.usage()).budgetBytes, { onKeptBytes: async kept => { await local.setKeptFileBytes(kept) } })
      return bytes == null ? 'Cache budget: the default' : `Cache budget: ${formatBytes(bytes)}`
    })
  })

  $('pin-form').addEventListener('submit', event => {
    event.preventDefault()
    const cid = $<HTMLInputElement>('pin-input').value.trim()
    say(`Pinning ${cid}…`, 'busy')
    void run(async () => {
      const pin = await (await sdkClient()).pin(cid, {
        onProgress: progress => { say(`Pinning ${cid}: ${countOf(progress.detail.blocks, 'block')}, ${formatBytes(progress.detail.bytes)}`, 'busy') }
      })
      const persisted = await navigator.storage?.persisted?.().catch(() => false)
      return `Pinned ${pin.cid}: ${formatBytes(pin.bytes)} kept offline${persisted === true ? '' : ' (the browser may still clear it when short of space)'}`
    })
  })

  void refresh().catch(err => {
    $('cache-usage').textContent = `Could not open the local store: ${err instanceof Error ? err.message : String(err)}`
  })
  setInterval(() => { void refresh().catch(() => {}) }, REFRESH_MS)
}
