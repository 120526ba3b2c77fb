/// <reference lib="webworker" />
import { createGateway } from './gateway.ts'

declare const self: ServiceWorkerGlobalScope

// Lifecycle wiring only: the gateway instance does the work.
// __EDGEWAY_PAGE__ is the page build's file list and __EDGEWAY_LOADER__/__EDGEWAY_PROGRESS__ its loader and progress scripts, put in by vite.sw.config.ts
const gateway = createGateway(self, { page: __EDGEWAY_PAGE__, loaderScript: __EDGEWAY_LOADER__, progressScript: __EDGEWAY_PROGRESS__ })

self.addEventListener('install', () => {
  // a first install takes over at once anyway; an update on the gateway's origin waits for its page's reload
  if (!gateway.updatesWaitForPage || self.registration.active == null) {
    void self.skipWaiting()
  }
})

self.addEventListener('activate', (event) => {
  // start the node now, not inside the first fetch event; keep the gateway page for offline use
  event.waitUntil(Promise.all([self.clients.claim(), gateway.activate().catch(() => {})]))
})

self.addEventListener('message', (event) => {
  gateway.onMessage(event)
})

self.addEventListener('fetch', (event) => {
  const response = gateway.respond(event)
  if (response != null) {
    event.respondWith(response)
  }
})
