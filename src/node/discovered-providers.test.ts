import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { carOf } from '../../e2e/support/edge-health-servers.ts'
import { REQUEST_STATE, RequestState } from '../lib/request-state.ts'
import { EdgeCarFetcher } from './edge-car-fetcher.ts'
import { EdgeHealth } from './edge-health-tracker.ts'
import { EdgeHttpBroker } from './edge-http-broker.ts'
import { ProviderDiscovery } from './provider-discovery.ts'
import { hashMatches } from './verified-blockstore.ts'

const EDGE = 'https://edge.example'
const ROUTER = 'https://router.example'
/** The IPIP-484 filters every lookup asks with: records a browser can use */
const FILTERS = 'filter-protocols=transport-ipfs-gateway-http%2Ctransport-bitswap%2Cunknown&filter-addrs=http%2Chttps%2Cws%2Cwss'
const TRUTH = new TextEncoder().encode('a block only a provider has')

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>

/** A fake network: one handler per origin; every URL asked is recorded */
function network (handlers: Record<string, Handler>): string[] {
  const asked: string[] = []
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input)
    asked.push(url.toString())
    const handler = handlers[url.origin]
    if (handler == null) throw new TypeError(`Failed to fetch ${input}`)
    return handler(url, init)
  })
  return asked
}

function listing (...hosts: string[]): Handler {
  return () => Response.json({ Providers: hosts.map(host => ({ Schema: 'peer', ID: `peer-${host}`, Addrs: [`/dns4/${host}/tcp/443/https`], Protocols: ['transport-ipfs-gateway-http'] })) })
}

const notHere: Handler = () => new Response(null, { status: 404 })

/** A trustless gateway that serves blocks (`?format=raw`) and refuses CARs, as the spec allows */
function rawOnly (block: Uint8Array): Handler {
  return (url, init) => {
    const accept = new Headers(init.headers).get('accept') ?? ''
    if (url.searchParams.get('format') === 'car' || accept.includes('application/vnd.ipld.car')) {
      return new Response('CARs are not served here', { status: 406 })
    }
    return new Response(new Uint8Array(block), { headers: { 'Content-Type': 'application/vnd.ipld.raw' } })
  }
}

describe('providers found through routers', () => {
  let cid: CID
  let root: CID

  beforeAll(async () => {
    cid = CID.createV1(raw.code, await sha256.digest(TRUTH))
    root = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('the root')))
  })

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  const validateFn = async (block: Uint8Array): Promise<void> => {
    if (!await hashMatches(cid, block)) throw new Error('hash mismatch')
  }

  function broker (discovery: ProviderDiscovery, init: { othersMayHave?: () => Promise<boolean> } = {}): { broker: EdgeHttpBroker, health: EdgeHealth } {
    const health = new EdgeHealth()
    return { broker: new EdgeHttpBroker({ edges: [{ http: EDGE, multiaddrs: [] }], health, discovery, ...init }), health }
  }

  it('asks the routers by the request\'s root once the edge answered 404, and fetches the block from a raw-only provider', async () => {
    const asked = network({ [EDGE]: notHere, [ROUTER]: listing('gw.example'), 'https://gw.example': rawOnly(TRUTH) })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false })
    const { broker: http, health } = broker(discovery)
    const events: string[] = []
    const block = await http.retrieve(cid, { validateFn, [REQUEST_STATE]: new RequestState({ root }), onProgress: (e: { type: string, detail?: unknown }) => { events.push(`${e.type} ${(e.detail as { from?: string }).from}`) } } as object)
    expect(block).toEqual(TRUTH)
    expect(asked).toEqual([
      `${EDGE}/ipfs/${cid.toString()}?format=raw`,
      `${ROUTER}/routing/v1/providers/${root.toString()}?${FILTERS}`,
      `https://gw.example/ipfs/${cid.toString()}?format=raw`
    ])
    expect(events).toEqual(['edgeway:block:received https://gw.example'])
    // the provider is measured apart from the configured edges
    expect(discovery.health.record('https://gw.example')?.answers).toBe(1)
    expect(health.record('https://gw.example')).toBeUndefined()
  })

  it('never asks a router for what an edge has', async () => {
    const asked = network({ [EDGE]: rawOnly(TRUTH), [ROUTER]: listing('gw.example') })
    const { broker: http } = broker(new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }))
    expect(await http.retrieve(cid, { validateFn })).toEqual(TRUTH)
    expect(asked.some(url => url.startsWith(ROUTER))).toBe(false)
  })

  it('refuses a lying provider\'s bytes and uses another provider\'s', async () => {
    network({ [EDGE]: notHere, [ROUTER]: listing('liar.example', 'gw.example'), 'https://liar.example': rawOnly(new TextEncoder().encode('forged')), 'https://gw.example': rawOnly(TRUTH) })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false })
    const { broker: http } = broker(discovery)
    const events: string[] = []
    expect(await http.retrieve(cid, { validateFn, onProgress: (e: { type: string }) => { events.push(e.type) } } as object)).toEqual(TRUTH)
    expect(events).toContain('edgeway:block:rejected')
    expect(discovery.health.isDemoted('https://liar.example')).toBe(true)
  })

  it('says at once that no source is left when the edge answered 404 and no router lists a provider that sent it', async () => {
    network({ [EDGE]: notHere, [ROUTER]: notHere })
    const { broker: http } = broker(new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }))
    const events: Array<{ type: string, detail?: unknown }> = []
    await expect(http.retrieve(cid, { validateFn, onProgress: e => { events.push(e) } })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
    expect(events).toEqual([expect.objectContaining({ type: 'edgeway:providers:none', detail: { cid: cid.toString(), edges: [EDGE], providers: [] } })])

    // only liars listed: the same, and the request answers 502 for the lie
    network({ [EDGE]: notHere, [ROUTER]: listing('liar.example'), 'https://liar.example': rawOnly(new TextEncoder().encode('forged')) })
    const { broker: lied } = broker(new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }))
    const seen: string[] = []
    await expect(lied.retrieve(cid, { validateFn, onProgress: e => { seen.push(e.type) } })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
    expect(seen).toEqual(['edgeway:block:rejected', 'edgeway:providers:none'])
  })

  it('leaves the request waiting while other browsers may still have the block', async () => {
    network({ [EDGE]: notHere, [ROUTER]: notHere })
    const { broker: http } = broker(new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }), { othersMayHave: async () => true })
    const events: string[] = []
    await expect(http.retrieve(cid, { validateFn, onProgress: e => { events.push(e.type) } })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
    expect(events).toEqual([])
  })

  it('dials the bitswap providers a router lists, and does not give up while one is connected', async () => {
    const peer = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
    network({ [EDGE]: notHere, [ROUTER]: () => Response.json({ Providers: [{ Schema: 'peer', ID: peer, Addrs: ['/dns4/kubo.example/tcp/443/wss', '/ip4/8.8.4.4/tcp/4001'] }] }) })
    const dialled: string[][] = []
    const http = new EdgeHttpBroker({
      edges: [{ http: EDGE, multiaddrs: [] }],
      discovery: new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }),
      connectBitswap: async providers => {
        dialled.push(providers.flatMap(provider => provider.multiaddrs))
        return true
      }
    })
    const events: string[] = []
    await expect(http.retrieve(cid, { validateFn, onProgress: e => { events.push(e.type) } })).rejects.toMatchObject({ name: 'BlockUnavailableError' })
    expect(dialled).toEqual([[`/dns4/kubo.example/tcp/443/wss/p2p/${peer}`]])
    expect(events).toEqual([])
  })

  it('fetches a CAR from a provider when the edge has none, and remembers a provider that refuses CARs', async () => {
    const car = await carOf(cid, TRUTH)
    const asked = network({
      [EDGE]: notHere,
      [ROUTER]: listing('raw.example', 'car.example'),
      'https://raw.example': rawOnly(TRUTH),
      'https://car.example': () => new Response(new Uint8Array(car), { headers: { 'Content-Type': 'application/vnd.ipld.car' } })
    })
    const discovery = new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false })
    const fetcher = new EdgeCarFetcher([{ http: EDGE, multiaddrs: [] }], { discovery })
    const blocks = []
    for await (const block of fetcher.fetch({ cid }, { root })) blocks.push(block)
    expect(blocks.map(block => [block.cid.toString(), block.from])).toEqual([[cid.toString(), expect.stringMatching(/^https:\/\/(raw|car)\.example$/)]])
    expect(blocks[0].bytes).toEqual(TRUTH)
    expect(asked).toContain(`${ROUTER}/routing/v1/providers/${root.toString()}?${FILTERS}`)

    // the raw-only provider alone: its refusal is a CarFetchError (the blocks come one by one), not a failure of the provider
    network({ [EDGE]: notHere, [ROUTER]: listing('raw.example'), 'https://raw.example': rawOnly(TRUTH) })
    const refusing = new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false })
    const once = new EdgeCarFetcher([{ http: EDGE, multiaddrs: [] }], { discovery: refusing })
    await expect(drain(once.fetch({ cid }, {}))).rejects.toMatchObject({ name: 'CarFetchError' })
    expect(refusing.health.record('https://raw.example')?.failures).toBe(0)
    const again = network({ [EDGE]: notHere, [ROUTER]: listing('raw.example'), 'https://raw.example': rawOnly(TRUTH) })
    await expect(drain(once.fetch({ cid }, {}))).rejects.toMatchObject({ name: 'CarFetchError' })
    expect(again.filter(url => url.startsWith('https://raw.example'))).toEqual([])
  })

  it('with no edges at all, asks the routers at once', async () => {
    const asked = network({ [ROUTER]: listing('gw.example'), 'https://gw.example': rawOnly(TRUTH) })
    const http = new EdgeHttpBroker({ edges: [], discovery: new ProviderDiscovery({ routers: [ROUTER], allowLocal: false, allowInsecure: false }) })
    expect(await http.retrieve(cid, { validateFn })).toEqual(TRUTH)
    expect(asked[0]).toBe(`${ROUTER}/routing/v1/providers/${cid.toString()}?${FILTERS}`)
  })
})

async function drain (blocks: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of blocks) {}
}
