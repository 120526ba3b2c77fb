/// <reference lib="webworker" />
/**
 * Vanilla @helia/verified-fetch in a service worker, as its documentation
 * sets it up over HTTP (a light Helia node, the trustless-gateway broker and
 * the delegated router, both pointed at the benchmark's edge, blocks in
 * memory): the least a verifying SW built on verified-fetch parses and does
 * before a first visit's content. It answers `/vf/ipfs/<cid>/<path>`; the
 * script URL names the edge (`/vf/sw.js?edge=http://127.0.0.1:N`).
 */
import { withHTTP } from '@helia/http'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { createHeliaLight } from 'helia'
import { noDns } from '../../src/node/no-dns.ts'
import type { VerifiedFetch } from '@helia/verified-fetch'

declare const self: ServiceWorkerGlobalScope

const edge = new URL(self.location.href).searchParams.get('edge') ?? ''
let started: Promise<VerifiedFetch> | undefined
const start = async (): Promise<VerifiedFetch> => {
  started ??= (async () => {
    const helia = withHTTP(createHeliaLight({ dns: noDns() }), {
      delegatedRouters: [edge],
      recursiveGateways: [edge],
      allowInsecure: true,
      allowLocal: true
    })
    await helia.start()
    return createVerifiedFetchWithHelia(helia)
  })()
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
