import { describe, expect, it } from 'vitest'
import { contentHandler, toGatewayLocation } from './handlers/content.ts'
import { controlHandler } from './handlers/control.ts'
import { findHandler, runHandler } from './pipeline.ts'
import type { Handler } from './pipeline.ts'
import type { GatewayStats } from '../src/lib/types.ts'

const STATS: GatewayStats = { blocks: { cache: 1, edge: 2, peer: 0 }, requests: 3, startedAt: 1, lastBlockAt: 2 }

function handlers (nodeStarts: { count: number }): Handler[] {
  return [
    controlHandler({ stats: () => STATS, unregister: async () => {} }),
    contentHandler({
      node: async () => { nodeStarts.count++; throw new Error('no node in unit tests') },
      refresh: async () => {},
      onBlock: () => {},
      onRequest: () => {}
    })
  ]
}

describe('the SW request pipeline', () => {
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

  it('rewrites ipfs:// redirects to gateway paths', () => {
    const redirect = new Response(null, { status: 301, headers: { Location: 'ipfs://bafyroot/dir/' } })
    const rewritten = toGatewayLocation(redirect, new URL('http://localhost:8080/ipfs/bafyroot/dir'))
    expect(rewritten.status).toBe(301)
    expect(rewritten.headers.get('location')).toBe('http://localhost:8080/ipfs/bafyroot/dir/')
  })
})
