import { startEdgeway } from 'edgeway'
import type { Edgeway } from 'edgeway'

// the gateway whose edges this dApp uses: `?gateway=https://gateway.example`, else this origin's own edgeway.json
const gateway = new URLSearchParams(location.search).get('gateway')
const configUrl = gateway == null ? new URL('/edgeway.json', location.href).href : new URL('/edgeway.json', gateway).href

const mode = document.querySelector<HTMLElement>('[data-testid="mode"]')!
const notice = document.querySelector<HTMLElement>('[data-testid="sdk-notice"]')!
const form = document.querySelector<HTMLFormElement>('[data-testid="open-form"]')!
const address = document.querySelector<HTMLInputElement>('[data-testid="address"]')!
const result = document.querySelector<HTMLElement>('[data-testid="result"]')!

const edgeway: Edgeway = await startEdgeway({
  serviceWorker: { scriptUrl: `/sw.js?config=${encodeURIComponent(configUrl)}` },
  configUrl
})
mode.textContent = edgeway.mode
if (edgeway.notice != null) {
  notice.textContent = edgeway.notice
  notice.hidden = false
}
// for the page's scripts (and tests) to fetch with
Object.assign(window, { edgeway })

form.addEventListener('submit', (event) => {
  event.preventDefault()
  result.textContent = 'fetching…'
  void (async () => {
    const response = await edgeway.fetch(address.value, {
      onProgress: ({ bytes, source }) => { result.textContent = `${bytes} bytes verified (last block from ${source})` }
    })
    const body = new Uint8Array(await response.arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body))
    result.textContent = `${response.status}: ${body.byteLength} bytes, sha256 ${Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')}`
  })().catch((err: unknown) => { result.textContent = `failed: ${String(err)}` })
})
