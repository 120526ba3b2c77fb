/// <reference lib="webworker" />
import { createEdgewayHandler } from 'edgeway/sw'

declare const self: ServiceWorkerGlobalScope

// the dApp's own SW: Edgeway answers /ipfs/ and /ipns/, everything else is the dApp's (here: the network).
// The edges come from a gateway's edgeway.json, named by the page in the script URL (`/sw.js?config=…`)
const configUrl = new URL(self.location.href).searchParams.get('config') ?? 'edgeway.json'
const edgeway = createEdgewayHandler(self, { configUrl })

self.addEventListener('install', () => {
  void self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(Promise.all([self.clients.claim(), edgeway.activate().catch(() => {})]))
})

self.addEventListener('message', (event) => {
  edgeway.handleMessage(event)
})

self.addEventListener('fetch', (event) => {
  const answer = edgeway.handleFetch(event)
  if (answer != null) {
    event.respondWith(answer)
  }
})
