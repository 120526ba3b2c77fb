import { describe, expect, it } from 'vitest'
import { SKIP_WAITING_MESSAGE } from '../lib/sw-lifecycle.ts'
import { watchForUpdates } from './sw-updates.ts'

/** A worker as the page sees it: a state that changes, and messages it was sent */
class FakeWorker extends EventTarget {
  state: ServiceWorkerState = 'installing'
  readonly messages: unknown[] = []
  postMessage (message: unknown): void { this.messages.push(message) }
  become (state: ServiceWorkerState): void {
    this.state = state
    this.dispatchEvent(new Event('statechange'))
  }
}

function setUp ({ controlled }: { controlled: boolean }) {
  const container = Object.assign(new EventTarget(), { controller: controlled ? new FakeWorker() : null })
  const registration = Object.assign(new EventTarget(), { waiting: null, installing: null as FakeWorker | null, update: async () => {} })
  const banner = { hidden: true }
  const button = { disabled: true, onclick: null as (() => void) | null }
  const reloads: number[] = []
  const abort = new AbortController()
  watchForUpdates(container as unknown as ServiceWorkerContainer, registration as unknown as ServiceWorkerRegistration,
    { banner: banner as HTMLElement, button: button as unknown as HTMLButtonElement },
    { reload: () => { reloads.push(1) }, signal: abort.signal })
  const found = (): FakeWorker => {
    const worker = new FakeWorker()
    registration.installing = worker
    registration.dispatchEvent(new Event('updatefound'))
    return worker
  }
  return { container, banner, button, reloads, found, stop: () => { abort.abort() } }
}

describe('the update banner', () => {
  it('offers a reload once a new version has installed; the reload asks it to take over and reloads when it does', () => {
    const page = setUp({ controlled: true })
    const worker = page.found()
    expect(page.banner.hidden).toBe(true)
    worker.become('installed')
    expect(page.banner.hidden).toBe(false)
    page.button.onclick?.()
    expect(worker.messages).toEqual([{ type: SKIP_WAITING_MESSAGE }])
    expect(page.reloads).toEqual([])
    page.container.dispatchEvent(new Event('controllerchange'))
    expect(page.reloads).toEqual([1])
    page.stop()
  })

  it('reloads at once when another tab already moved the new version in', () => {
    const page = setUp({ controlled: true })
    const worker = page.found()
    worker.become('installed')
    worker.become('activated')
    page.button.onclick?.()
    expect(worker.messages).toEqual([])
    expect(page.reloads).toEqual([1])
    page.stop()
  })

  it('shows nothing on a first install: there is no older version to replace', () => {
    const page = setUp({ controlled: false })
    page.found().become('installed')
    expect(page.banner.hidden).toBe(true)
    page.stop()
  })
})
