import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { MAX_ROUTING_ANSWER_BYTES } from '../lib/routing-answer.ts'
import { ANSWER_GRACE_MS, FAILED_LOOKUP_TTL_MS, MAX_LOOKUPS, PROVIDER_TTL_MS, ProviderDiscovery } from './provider-discovery.ts'

const ROUTER = 'https://router.example'
const OTHER = 'https://other-router.example'
const PEER = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const POLICY = { allowLocal: false, allowInsecure: false }

function answer (records: unknown[]): Response {
  return new Response(JSON.stringify({ Providers: records }), { headers: { 'Content-Type': 'application/json' } })
}

function gateway (host: string): unknown {
  return { Schema: 'peer', ID: `peer-${host}`, Addrs: [`/dns4/${host}/tcp/443/https`], Protocols: ['transport-ipfs-gateway-http'] }
}

/** A fake `fetch` answering by router; records every URL asked */
function routers (answers: Record<string, (url: string, init: RequestInit) => Response | Promise<Response>>): string[] {
  const asked: string[] = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    asked.push(url)
    const router = Object.keys(answers).find(base => url.startsWith(`${base}/routing/v1/providers/`))
    if (router == null) throw new TypeError(`unexpected fetch ${url}`)
    return answers[router](url, init)
  })
  return asked
}

describe('ProviderDiscovery', () => {
  let cid: CID
  let other: CID

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('content')))
    other = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('other content')))
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('asks every router for the CID with Accept: application/json, and merges what they list', async () => {
    let accept: string | null = null
    const asked = routers({
      [ROUTER]: (_url, init) => {
        accept = new Headers(init.headers).get('accept')
        return answer([gateway('a.example')])
      },
      [OTHER]: () => answer([gateway('b.example'), { Schema: 'peer', ID: PEER, Addrs: ['/dns4/kubo.example/tcp/443/wss'] }])
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER, OTHER], ...POLICY })
    expect(await discovery.find(cid)).toEqual({
      http: ['https://a.example', 'https://b.example'],
      bitswap: [{ peerId: PEER, multiaddrs: [`/dns4/kubo.example/tcp/443/wss/p2p/${PEER}`] }]
    })
    expect(asked.map(url => new URL(url)).map(url => `${url.origin}${url.pathname}`).sort()).toEqual([`${OTHER}/routing/v1/providers/${cid.toString()}`, `${ROUTER}/routing/v1/providers/${cid.toString()}`])
    // IPIP-484 filters: only records a browser can use, and DHT records that list no protocols
    expect(new URL(asked[0]).searchParams.get('filter-protocols')).toBe('transport-ipfs-gateway-http,transport-bitswap,unknown')
    expect(accept).toBe('application/json')
  })

  it('gives up an answer over the cap and uses the other router\'s', async () => {
    let cancelled = false
    routers({
      [ROUTER]: () => new Response(new ReadableStream({
        pull (controller) { controller.enqueue(new Uint8Array(64 * 1024).fill(0x20)) },
        cancel () { cancelled = true }
      })),
      [OTHER]: () => answer([gateway('b.example')])
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER, OTHER], ...POLICY })
    expect((await discovery.find(cid)).http).toEqual(['https://b.example'])
    expect(cancelled).toBe(true)
    // a declared length over the cap is refused before any of it is read
    routers({ [ROUTER]: () => new Response('{}', { headers: { 'Content-Length': String(MAX_ROUTING_ANSWER_BYTES + 1) } }) })
    expect(await new ProviderDiscovery({ routers: [ROUTER], ...POLICY }).find(cid)).toEqual({ http: [], bitswap: [] })
  })

  it('does not wait long for a router that hangs once another listed a provider', async () => {
    routers({
      [ROUTER]: async (_url, init) => new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => { reject(init.signal?.reason) })
      }),
      [OTHER]: () => answer([gateway('b.example')])
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER, OTHER], ...POLICY, timeoutMs: 10_000 })
    const started = Date.now()
    expect((await discovery.find(cid)).http).toEqual(['https://b.example'])
    expect(Date.now() - started).toBeLessThan(ANSWER_GRACE_MS + 1_000)
  })

  it('does not wait for a router that hangs past its timeout', async () => {
    routers({
      [ROUTER]: async (_url, init) => new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => { reject(init.signal?.reason) })
      }),
      [OTHER]: () => new Response(null, { status: 404 })
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER, OTHER], ...POLICY, timeoutMs: 200 })
    const started = Date.now()
    expect(await discovery.find(cid)).toEqual({ http: [], bitswap: [] })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('takes 404, errors and answers that are not JSON as "no providers"', async () => {
    routers({
      [ROUTER]: () => new Response(null, { status: 404 }),
      [OTHER]: () => new Response('<html>', { status: 200 })
    })
    expect(await new ProviderDiscovery({ routers: [ROUTER, OTHER], ...POLICY }).find(cid)).toEqual({ http: [], bitswap: [] })
    routers({ [ROUTER]: () => new Response('busy', { status: 503 }) })
    expect(await new ProviderDiscovery({ routers: [ROUTER], ...POLICY }).find(cid)).toEqual({ http: [], bitswap: [] })
  })

  it('shares one lookup between concurrent requests for a CID and keeps its answer for a minute', async () => {
    let now = 1_000_000
    let release = (): void => {}
    const asked = routers({
      [ROUTER]: async () => {
        await new Promise<void>(resolve => { release = resolve })
        return answer([gateway('a.example')])
      }
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], ...POLICY, now: () => now })
    const finds = [discovery.find(cid), discovery.find(cid), discovery.find(cid)]
    await new Promise(resolve => setTimeout(resolve, 10))
    release()
    for (const found of await Promise.all(finds)) {
      expect(found.http).toEqual(['https://a.example'])
    }
    expect(asked).toHaveLength(1)
    now += PROVIDER_TTL_MS - 1
    await discovery.find(cid)
    expect(asked).toHaveLength(1)
    now += 1
    const again = discovery.find(cid)
    release()
    await again
    expect(asked).toHaveLength(2)
  })

  it('lets one caller give up without ending the lookup another waits for', async () => {
    let release = (): void => {}
    const asked = routers({
      [ROUTER]: async () => {
        await new Promise<void>(resolve => { release = resolve })
        return answer([gateway('a.example')])
      }
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], ...POLICY })
    const leaving = new AbortController()
    const first = discovery.find(cid, { signal: leaving.signal })
    const second = discovery.find(cid)
    leaving.abort(new Error('the reader went away'))
    await expect(first).rejects.toThrow('the reader went away')
    await new Promise(resolve => setTimeout(resolve, 10))
    release()
    expect((await second).http).toEqual(['https://a.example'])
    expect(asked).toHaveLength(1)
  })

  it('asks again sooner after every router failed', async () => {
    let now = 1_000_000
    const asked = routers({ [ROUTER]: () => { throw new TypeError('offline') } })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], ...POLICY, now: () => now })
    await discovery.find(cid)
    now += FAILED_LOOKUP_TTL_MS
    await discovery.find(cid)
    expect(asked).toHaveLength(2)
  })

  it('remembers a bounded number of lookups, forgetting the oldest', async () => {
    const asked = routers({ [ROUTER]: () => answer([]) })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], ...POLICY })
    await discovery.find(cid)
    for (let i = 0; i < MAX_LOOKUPS; i++) {
      await discovery.find(CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`block ${i}`))))
    }
    await discovery.find(other)
    expect(asked).toHaveLength(MAX_LOOKUPS + 2)
    // the first one was forgotten: asked again
    await discovery.find(cid)
    expect(asked).toHaveLength(MAX_LOOKUPS + 3)
  })
})
