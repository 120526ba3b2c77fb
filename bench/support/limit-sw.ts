/**
 * The minimal service worker: answers `/limit/<memory|network>/<none|sha256>/<path>`
 * with a body it makes in JavaScript, one block at a time, as a verifying
 * SW must (WebCrypto's digest is not incremental, so a block is whole
 * before it is hashed). From the network, a block is assembled from the
 * fetched chunks (one copy); from memory, it is a view of bytes already
 * held. With sha256, each block is hashed and compared with its digest
 * before it is enqueued; a mismatch errors the body. A file's digests can be
 * taken ahead (`/limit/digests/<path>`, untimed), as a verifier that already
 * holds the file's CID knows what its block must hash to.
 */
export function limitServiceWorker (blockBytes: number, digestBytes: number): string {
  return `
const BLOCK = ${blockBytes}
const DIGEST = ${digestBytes}
// path -> { bytes, digests }: the warm limit's bytes, kept while this SW runs
const kept = new Map()
// path -> digests taken ahead of a cold read
const known = new Map()

self.addEventListener('install', () => { self.skipWaiting() })
self.addEventListener('activate', event => { event.waitUntil(self.clients.claim()) })
self.addEventListener('fetch', event => {
  const { pathname: path, search } = new URL(event.request.url)
  const keep = /^\\/limit\\/keep\\/(.+)$/.exec(path)
  if (keep != null) {
    event.respondWith(keepInMemory(keep[1]).then(() => new Response('kept')))
    return
  }
  const ahead = /^\\/limit\\/digests\\/(.+)$/.exec(path)
  if (ahead != null) {
    event.respondWith(digestsOf(ahead[1], '').then(digests => { known.set(ahead[1], digests); return new Response('known') }))
    return
  }
  const read = /^\\/limit\\/(memory|network)\\/(none|sha256)\\/(.+)$/.exec(path)
  if (read != null) {
    event.respondWith(answer(read[1], read[2] === 'sha256', read[3], search))
  }
})

async function digestsOf (path, search) {
  const response = await fetch('/files/' + path + '.blocks' + search, { cache: 'no-store' })
  if (!response.ok) throw new Error('no block digests for ' + path + ': ' + response.status)
  return new Uint8Array(await response.arrayBuffer())
}

async function keepInMemory (path) {
  if (!kept.has(path)) {
    const [body, digests] = await Promise.all([fetch('/files/' + path, { cache: 'no-store' }).then(response => response.arrayBuffer()), digestsOf(path, '')])
    kept.set(path, { bytes: new Uint8Array(body), digests })
  }
}

async function verify (block, digests, index) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', block))
  const expected = digests.subarray(index * DIGEST, (index + 1) * DIGEST)
  if (expected.byteLength !== DIGEST || digest.some((byte, i) => byte !== expected[i])) {
    throw new Error('block ' + index + ' does not match its digest')
  }
}

function fromMemory ({ bytes, digests }, sha256) {
  let offset = 0
  let index = 0
  return new ReadableStream({
    async pull (controller) {
      if (offset >= bytes.byteLength) {
        controller.close()
        return
      }
      const block = bytes.subarray(offset, offset + BLOCK)
      if (sha256) await verify(block, digests, index)
      offset += block.byteLength
      index++
      controller.enqueue(block)
    }
  })
}

function fromNetwork (body, digests, sha256) {
  const reader = body.getReader()
  let chunk = null
  let at = 0
  let index = 0
  return new ReadableStream({
    async pull (controller) {
      const block = new Uint8Array(BLOCK)
      let filled = 0
      while (filled < BLOCK) {
        if (chunk == null || at === chunk.byteLength) {
          const next = await reader.read()
          if (next.done) break
          chunk = next.value
          at = 0
        }
        const n = Math.min(BLOCK - filled, chunk.byteLength - at)
        block.set(chunk.subarray(at, at + n), filled)
        filled += n
        at += n
      }
      if (filled === 0) {
        controller.close()
        return
      }
      const whole = filled === BLOCK ? block : block.subarray(0, filled)
      if (sha256) await verify(whole, digests, index)
      index++
      controller.enqueue(whole)
    },
    cancel (reason) { return reader.cancel(reason) }
  })
}

async function answer (source, sha256, path, search) {
  const headers = { 'Content-Type': 'application/octet-stream' }
  if (source === 'memory') {
    const held = kept.get(path)
    if (held == null) return new Response('not kept in memory', { status: 409 })
    return new Response(fromMemory(held, sha256), { headers })
  }
  const ahead = search === '' ? known.get(path) : undefined
  const [response, digests] = await Promise.all([fetch('/files/' + path, { cache: 'no-store' }), sha256 ? ahead ?? digestsOf(path, search) : null])
  if (!response.ok) return new Response('the plain server answered ' + response.status, { status: 502 })
  return new Response(fromNetwork(response.body, digests, sha256), { headers })
}
`
}
