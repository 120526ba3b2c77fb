import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { contentHandler, toGatewayLocation } from './handlers/content.ts'
import { controlHandler } from './handlers/control.ts'
import { findHandler, runHandler } from './pipeline.ts'
import { CID_V0, CID_V1 } from '../src/lib/cid-examples.ts'
import type { Handler } from './pipeline.ts'
import type { EdgesReport } from '../src/lib/edge-status.ts'
import type { GatewayStats } from '../src/lib/types.ts'

const STATS: GatewayStats = { blocks: { cache: 1, edge: 2, peer: 0 }, bytes: { cache: 10, edge: 20, peer: 0 }, requests: 3, startedAt: 1, lastBlockAt: 2 }
const EDGES: EdgesReport = {
  source: 'user',
  edges: [{ key: 'http://b', state: 'ok', latencyMs: 12, failures: 0, verificationFailures: 0, configIndex: 1, edge: { http: 'http://b', multiaddrs: [] } }]
}

function handlers (nodeStarts: { count: number }, { gatewayHost = 'localhost', subdomains = false, origin = undefined as string | undefined } = {}): Handler[] {
  return [
    controlHandler({ stats: () => STATS, edges: async () => EDGES, unregister: async () => {}, version: 'v1' }),
    contentHandler({
      origin,
      gatewayHost,
      subdomains: async () => subdomains,
      node: async () => { nodeStarts.count++; throw new Error('no node in unit tests') },
      refresh: async () => {},
      onUse: () => {},
      onRequest: () => {}
    })
  ]
}

describe('the SW request pipeline', () => {
  it('answers content only on its own origin: another server\'s /ipfs/ URL goes to that server', () => {
    const list = handlers({ count: 0 }, { origin: 'http://localhost:8080', gatewayHost: 'localhost:8080' })
    expect(findHandler(list, new Request('http://localhost:8080/ipfs/bafkqaaa'))?.handler.id).toBe('content')
    expect(findHandler(list, new Request('http://127.0.0.1:9000/ipfs/bafkqaaa?format=raw'))).toBeUndefined()
    expect(findHandler(list, new Request('https://other.example/ipfs/bafkqaaa'))).toBeUndefined()
  })

  it('leaves the page, its assets and other methods to the network', () => {
    const list = handlers({ count: 0 })
    for (const request of [
      new Request('http://localhost/'),
      new Request('http://localhost/assets/main.js'),
      new Request('http://localhost/sw.js'),
      new Request('http://localhost/ipfsx/a'),
      new Request('http://localhost/ipfs/bafy', { method: 'POST' })
    ]) {
      expect(findHandler(list, request), request.url).toBeUndefined()
    }
  })

  it('answers a bad CID with a 400 page without starting the node', async () => {
    const starts = { count: 0 }
    const request = new Request('http://localhost/ipfs/not-a-cid/x', { headers: { Accept: 'text/html' } })
    const found = findHandler(handlers(starts), request)
    expect(found?.handler.id).toBe('content')
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('data-testid="error"')
    expect(starts.count).toBe(0)
  })

  it('turns anything a handler throws into an error response, JSON when asked', async () => {
    const request = new Request('http://localhost/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', { headers: { Accept: 'application/json' } })
    const found = findHandler(handlers({ count: 0 }), request)
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ status: 500, error: 'Error' })
  })

  it('moves a CIDv1 written in another base or case to its base32 lower-case path (301) without starting the node', async () => {
    const starts = { count: 0 }
    const cid = CID.parse(CID_V1)
    for (const text of [CID_V1.toUpperCase(), cid.toString(base58btc), cid.toString(base36)]) {
      const request = new Request(`http://localhost/ipfs/${text}/a%20b.txt?format=raw`)
      const found = findHandler(handlers(starts), request)
      const response = await runHandler(found!.handler, request, found!.url)
      expect(response.status, text).toBe(301)
      expect(response.headers.get('location'), text).toBe(`http://localhost/ipfs/${CID_V1}/a%20b.txt?format=raw`)
    }
    expect(starts.count).toBe(0)
  })

  it('links its error pages back to the gateway page it is given', async () => {
    const request = new Request('http://not-a-cid.ipfs.localhost/x')
    const found = findHandler(handlers({ count: 0 }), request)
    const response = await runHandler(found!.handler, request, found!.url, undefined, { gatewayUrl: 'http://localhost/' })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('<a href="http://localhost/">Edgeway gateway</a>')
  })

  it('answers an /ipns/ path that names nothing with a 400 page without starting the node', async () => {
    const starts = { count: 0 }
    const request = new Request('http://localhost/ipns/not_a_name/')
    const found = findHandler(handlers(starts), request)
    expect(found?.handler.id).toBe('content')
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('data-testid="error"')
    expect(starts.count).toBe(0)
  })

  it('unregisters only on a same-origin POST, never on a navigation', () => {
    const list = handlers({ count: 0 })
    expect(findHandler(list, new Request('http://localhost/_edgeway/unregister'))).toBeUndefined()
    expect(findHandler(list, new Request('http://localhost/_edgeway/unregister', { method: 'POST' }))?.handler.id).toBe('control')
  })

  it('serves live statistics', async () => {
    const request = new Request('http://localhost/_edgeway/stats')
    const found = findHandler(handlers({ count: 0 }), request)
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual(STATS)
  })

  it('says which version it is, so a page can tell an update took over', async () => {
    const request = new Request('http://localhost/_edgeway/version')
    const found = findHandler(handlers({ count: 0 }), request)
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({ version: 'v1' })
  })

  it('reports the edges in use, best first, for the page', async () => {
    const request = new Request('http://localhost/_edgeway/edges')
    const found = findHandler(handlers({ count: 0 }), request)
    expect(found?.handler.id).toBe('control')
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual(EDGES)
  })

  it('rewrites ipfs:// redirects to gateway paths', () => {
    const redirect = new Response(null, { status: 301, headers: { Location: 'ipfs://bafyroot/dir/' } })
    const rewritten = toGatewayLocation(redirect, new URL('http://localhost:8080/ipfs/bafyroot/dir'))
    expect(rewritten.status).toBe(301)
    expect(rewritten.headers.get('location')).toBe('/ipfs/bafyroot/dir/')
  })

  it('answers every path but /_edgeway/ on a subdomain origin, and a bad label with 400', async () => {
    const list = handlers({ count: 0 }, { gatewayHost: 'localhost:8080' })
    for (const path of ['/', '/sw.js', '/edgeway.json', '/assets/x.js']) {
      expect(findHandler(list, new Request(`http://${CID_V1}.ipfs.localhost:8080${path}`))?.handler.id, path).toBe('content')
    }
    expect(findHandler(list, new Request(`http://${CID_V1}.ipfs.localhost:8080/_edgeway/sw.js`))).toBeUndefined()
    expect(findHandler(list, new Request(`http://${CID_V1}.ipfs.localhost:8080/_edgeway/stats`))?.handler.id).toBe('control')

    const starts = { count: 0 }
    const request = new Request(`http://${CID_V0.toLowerCase()}.ipfs.localhost:8080/`)
    const found = findHandler(handlers(starts, { gatewayHost: 'localhost:8080' }), request)
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('CIDv0')
    expect(starts.count).toBe(0)
  })

  it('in subdomain mode, moves a page load on the gateway host to its root\'s origin', async () => {
    const starts = { count: 0 }
    const list = handlers(starts, { gatewayHost: 'localhost:8080', subdomains: true })
    const request = navigation(`http://localhost:8080/ipfs/${CID_V0}/x?y=1`)
    const found = findHandler(list, request)
    const response = await runHandler(found!.handler, request, found!.url)
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe(`http://${CID_V1}.ipfs.localhost:8080/x?y=1`)
    expect(starts.count).toBe(0)
  })

  it('keeps path URLs on the gateway host without subdomain mode, and fetches (not page loads) in it', async () => {
    for (const [request, subdomains] of [[navigation(`http://localhost:8080/ipfs/${CID_V1}/`), false], [new Request(`http://localhost:8080/ipfs/${CID_V1}/`), true]] as const) {
      const starts = { count: 0 }
      const found = findHandler(handlers(starts, { gatewayHost: 'localhost:8080', subdomains }), request)
      const response = await runHandler(found!.handler, request, found!.url)
      // it went on to fetch the content: the unit test's node refuses to start
      expect(response.status).toBe(500)
      expect(starts.count).toBe(1)
    }
  })

  it('keeps a directory redirect on the subdomain origin, without /ipfs/<cid>', () => {
    const redirect = new Response(null, { status: 301, headers: { Location: `ipfs://${CID_V1}/dir/` } })
    const rewritten = toGatewayLocation(redirect, new URL(`http://${CID_V1}.ipfs.localhost:8080/dir`), 'localhost:8080')
    expect(rewritten.headers.get('location')).toBe('/dir/')
  })
})

/** What a page load looks like to the SW (the Request constructor refuses mode 'navigate'). */
function navigation (url: string): Request {
  const request = new Request(url)
  Object.defineProperty(request, 'mode', { value: 'navigate' })
  return request
}
