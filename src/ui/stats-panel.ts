import { formatBytes } from '../lib/format-bytes.ts'
import { countOf } from './count-of.ts'
import type { LiveStats } from './live-stats.ts'
import type { TransferStats } from '../lib/transfer-stats.ts'
import type { BlockSource, TransferTotals } from '../lib/types.ts'

export interface StatsPanelOptions {
  /** The page's reader of the service worker's totals */
  live: LiveStats
  /** This tab's totals: the in-tab peer records what it serves to other browsers here */
  served?: TransferStats
}

const ROWS: Array<{ key: BlockSource | 'served', label: string }> = [
  { key: 'cache', label: 'this browser’s cache' },
  { key: 'edge', label: 'edges' },
  { key: 'peer', label: 'other browsers' },
  { key: 'served', label: 'served to other browsers' }
]

/**
 * Bytes and blocks by source: what the service worker used from the cache,
 * the edges and other browsers (its `/_edgeway/stats`, as `live` reads it),
 * and what this tab's peer served to others. The numbers are also on the
 * element as `data-<source>-bytes` / `data-<source>-blocks`, for scripts and
 * tests. Returns the function that stops updating it.
 */
export function mountStatsPanel (element: HTMLElement, options: StatsPanelOptions): () => void {
  let totals: TransferTotals = { blocks: zero(), bytes: zero(), served: { blocks: 0, bytes: 0 } }
  const render = (): void => { renderTotals(element, totals) }
  render()
  const stopLive = options.live.subscribe(gateway => {
    totals = { blocks: gateway?.blocks ?? totals.blocks, bytes: gateway?.bytes ?? totals.bytes, served: options.served?.snapshot().served ?? totals.served }
    render()
  })
  const unsubscribe = options.served?.subscribe(latest => {
    totals = { ...totals, served: latest.served }
    render()
  })
  return () => {
    stopLive()
    unsubscribe?.()
  }
}

function renderTotals (element: HTMLElement, totals: TransferTotals): void {
  const table = document.createElement('table')
  table.className = 'sources'
  for (const { key, label } of ROWS) {
    const { bytes, blocks } = key === 'served' ? totals.served : { bytes: totals.bytes[key], blocks: totals.blocks[key] }
    element.dataset[`${key}Bytes`] = String(bytes)
    element.dataset[`${key}Blocks`] = String(blocks)
    const row = table.insertRow()
    row.insertCell().textContent = label
    row.insertCell().textContent = formatBytes(bytes)
    row.insertCell().textContent = countOf(blocks, 'block')
  }
  element.replaceChildren(table)
}

function zero (): Record<BlockSource, number> {
  return { cache: 0, edge: 0, peer: 0 }
}
