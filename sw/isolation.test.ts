import { describe, expect, it } from 'vitest'
import { mayControl } from './control-sender.ts'
import { contentHandler } from './handlers/content.ts'
import { findHandler, runHandler } from './pipeline.ts'
import { CID_V1 } from '../src/lib/cid-examples.ts'
import { SHARED_ORIGIN_CONTENT_CSP } from '../src/lib/content-sandbox.ts'

const GATEWAY_HOST = 'localhost:8080'

const handlers = [contentHandler({
  gatewayHost: GATEWAY_HOST,
  subdomains: async () => false,
  node: async () => { throw new Error('no node in unit tests') },
  refresh: async () => {},
  onUse: () => {},
  onRequest: () => {}
})]

async function answer (url: string): Promise<Response> {
  const request = new Request(url, { headers: { Accept: 'text/html' } })
  const found = findHandler(handlers, request)
  expect(found?.handler.id).toBe('content')
  return runHandler(found!.handler, request, found!.url)
}

describe('content on a shared origin is sandboxed', () => {
  it('answers path-form content on the gateway, a dApp or an IP origin with a script-free sandbox, errors included', async () => {
    expect(SHARED_ORIGIN_CONTENT_CSP).toMatch(/^sandbox /)
    expect(SHARED_ORIGIN_CONTENT_CSP).toContain('allow-same-origin')
    expect(SHARED_ORIGIN_CONTENT_CSP).not.toContain('allow-scripts')
    for (const url of [
      `http://localhost:8080/ipfs/${CID_V1}/index.html`,
      'http://localhost:8080/ipfs/not-a-cid/',
      'http://localhost:8080/ipns/example.org/'
    ]) {
      const response = await answer(url)
      expect(response.status, url).toBeGreaterThanOrEqual(400)
      expect(response.headers.get('content-security-policy'), url).toBe(SHARED_ORIGIN_CONTENT_CSP)
    }
  })

  it('leaves a root\'s own origin unsandboxed: that origin is the site\'s', async () => {
    const response = await answer(`http://${CID_V1}.ipfs.localhost:8080/index.html`)
    expect(response.status).toBe(500)
    expect(response.headers.get('content-security-policy')).toBeNull()
  })
})

describe('who may steer the SW', () => {
  const windowAt = (url: string): Partial<Client> => ({ type: 'window', url, id: 'x' })

  it('takes messages from the origin\'s own pages', () => {
    expect(mayControl(windowAt('http://localhost:8080/'), GATEWAY_HOST)).toBe(true)
    expect(mayControl(windowAt('http://localhost:8080/?cid=x'), GATEWAY_HOST)).toBe(true)
    expect(mayControl(windowAt('https://dapp.example/app/'), 'dapp.example')).toBe(true)
    // a site on its own origin talks to its own origin's SW
    expect(mayControl(windowAt(`http://${CID_V1}.ipfs.localhost:8080/ipfs/x`), GATEWAY_HOST)).toBe(true)
  })

  it('ignores path-form content on a shared origin, workers and messages without a sender', () => {
    expect(mayControl(windowAt(`http://localhost:8080/ipfs/${CID_V1}/`), GATEWAY_HOST)).toBe(false)
    expect(mayControl(windowAt('http://localhost:8080/ipns/example.org/x'), GATEWAY_HOST)).toBe(false)
    expect(mayControl(windowAt(`https://dapp.example/ipfs/${CID_V1}`), 'dapp.example')).toBe(false)
    expect(mayControl({ type: 'worker', url: 'http://localhost:8080/' }, GATEWAY_HOST)).toBe(false)
    expect(mayControl(null, GATEWAY_HOST)).toBe(false)
    expect(mayControl({ type: 'window', url: 'not a url' }, GATEWAY_HOST)).toBe(false)
  })
})
