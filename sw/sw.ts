/// <reference lib="webworker" />
import { createGateway } from './gateway.ts'

declare const self: ServiceWorkerGlobalScope

// Lifecycle wiring only: the gateway instance does the work.
const gateway = createGateway(self)

self.addEventListener('install', () => {
  void self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  // start the node now, not inside the first fetch event
  event.waitUntil(Promise.all([self.clients.claim(), gateway.start().catch(() => {})]))
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
