import { clearOriginStores, unregisterServiceWorkers } from './clear-origin.ts'

/**
 * Set (in this tab only) between the confirmed reset and the load that
 * clears the stores. Session storage, not a URL: a link from another site
 * must never be able to wipe a user's stores.
 */
const RESET_PENDING_KEY = 'edgeway-reset-pending'

const $ = <T extends HTMLElement>(doc: Document, id: string): T => doc.getElementById(id) as T

/**
 * `reset-button` asks first (`reset-confirm`, in the page); confirmed, it
 * unregisters the SW and loads the page again from the server, where
 * `finishReset` deletes the stores with no connection of this page's
 * panels (the tab peer, the edges, the cache) open on them.
 */
export function mountResetControl (doc: Document): void {
  const button = $<HTMLButtonElement>(doc, 'reset-button')
  const confirm = $(doc, 'reset-confirm')
  const status = $(doc, 'reset-status')
  button.addEventListener('click', () => {
    confirm.hidden = false
    button.disabled = true
    $(doc, 'reset-confirm-button').focus()
  })
  $(doc, 'reset-cancel').addEventListener('click', () => {
    confirm.hidden = true
    button.disabled = false
  })
  $(doc, 'reset-confirm-button').addEventListener('click', () => {
    confirm.hidden = true
    status.dataset.state = 'running'
    status.textContent = 'Removing the service worker…'
    void unregisterServiceWorkers().then(() => {
      sessionStorage.setItem(RESET_PENDING_KEY, '1')
      doc.location.replace('/')
    }, (err: unknown) => {
      status.dataset.state = 'error'
      status.textContent = `Reset failed: ${err instanceof Error ? err.message : String(err)}`
      button.disabled = false
    })
  })
}

/** Whether this load finishes a reset (and then takes the mark away) */
export function takeResetPending (): boolean {
  const pending = sessionStorage.getItem(RESET_PENDING_KEY) != null
  sessionStorage.removeItem(RESET_PENDING_KEY)
  return pending
}

/**
 * The load after a confirmed reset: no SW controls it and nothing of this
 * page has opened a store. Deletes them all and says so in `reset-status`;
 * the next load of the page installs Edgeway afresh.
 */
export async function finishReset (doc: Document, options: { signal?: AbortSignal } = {}): Promise<void> {
  const status = $(doc, 'reset-status')
  status.dataset.state = 'running'
  status.textContent = 'Deleting what Edgeway kept in this browser…'
  $(doc, 'reset-section').scrollIntoView()
  try {
    // a SW that came back between the unregister and this load (another tab registering it) goes too
    await unregisterServiceWorkers(options)
    const cleared = await clearOriginStores(options)
    status.dataset.state = 'done'
    status.textContent = `Reset done: the service worker is removed, ${cleared.caches.length} caches and ${cleared.databases.length} databases are deleted. Reload to start afresh.`
  } catch (err) {
    status.dataset.state = 'error'
    status.textContent = `Reset failed: ${err instanceof Error ? err.message : String(err)}`
  }
}
