/// <reference lib="webworker" />
/**
 * Vanilla @helia/verified-fetch in a service worker (vanilla-node.ts): the
 * least a verifying SW built on verified-fetch parses and does before a
 * first visit's content. It answers `/vf/ipfs/<cid>/<path>`; the
 * script URL names the edge (`/vf-sw.js?edge=http://127.0.0.1:N`).
 */
import { startVanillaVerifiedFetch } from './vanilla-node.ts'
import type { VerifiedFetch } from '@helia/verified-fetch'

declare const self: ServiceWorkerGlobalScope

const edge = new URL(self.location.href).searchParams.get('edge') ?? ''
let started: Promise<VerifiedFetch> | undefined
const start = async (): Promise<VerifiedFetch> => {
  started ??= startVanillaVerifiedFetch(edge)
  return started
}

self.addEventListener('install', () => { void self.skipWaiting() })
// the node starts on activate, as Edgeway's does
self.addEventListener('activate', event => { event.waitUntil(Promise.all([self.clients.claim(), start()])) })
self.addEventListener('fetch', event => {
  const path = /^\/vf\/ipfs\/(.+)$/.exec(new URL(event.request.url).pathname)
  if (path != null) {
    event.respondWith(start().then(async verifiedFetch => verifiedFetch(`ipfs://${path[1]}`, { signal: event.request.signal })))
  }
})
