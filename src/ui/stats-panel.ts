import { formatBytes } from '../lib/format-bytes.ts'
import { countOf } from './count-of.ts'
import type { TransferStats } from '../lib/transfer-stats.ts'
import type { BlockSource, GatewayStats, TransferTotals } from '../lib/types.ts'

export interface StatsPanelOptions {
  /** This tab's totals: the in-tab peer records what it serves to other browsers here */
  served?: TransferStats
  /**
   * How often the service worker's totals are read
   *
   * @default 2000
   */
  intervalMs?: number
}

const ROWS: Array<{ key: BlockSource | 'served', label: string }> = [
  { key: 'cache', label: 'this browser’s cache' },
  { key: 'edge', label: 'edges' },
  { key: 'peer', label: 'other browsers' },
  { key: 'served', label: 'served to other browsers' }
]

/**
 * Bytes and blocks by source: what the service worker used from the cache,
 * the edges and other browsers (its `/_edgeway/stats`), and what this tab's
 * peer served to others. The numbers are also on the element as
 * `data-<source>-bytes` / `data-<source>-blocks`, for scripts and tests.
 * Returns the function that stops updating it.
 */
export function mountStatsPanel (element: HTMLElement, options: StatsPanelOptions = {}): () => void {
  let totals: TransferTotals = { blocks: zero(), bytes: zero(), served: { blocks: 0, bytes: 0 } }
  const render = (): void => { renderTotals(element, totals) }
  const refresh = async (): Promise<void> => {
    const gateway = await readGatewayStats()
    totals = { blocks: gateway?.blocks ?? totals.blocks, bytes: gateway?.bytes ?? totals.bytes, served: options.served?.snapshot().served ?? totals.served }
    render()
  }
  render()
  void refresh()
  const timer = setInterval(() => { void refresh() }, options.intervalMs ?? 2000)
  const unsubscribe = options.served?.subscribe(latest => {
    totals = { ...totals, served: latest.served }
    render()
  })
  return () => {
    clearInterval(timer)
    unsubscribe?.()
  }
}

/** The SW's running totals, or undefined while no SW controls the page. */
async function readGatewayStats (): Promise<GatewayStats | undefined> {
  if (navigator.serviceWorker?.controller == null) {
    return undefined
  }
  try {
    return await (await fetch('/_edgeway/stats', { cache: 'no-store' })).json() as GatewayStats
  } catch {
    return undefined
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
