import { CID } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { loaderHandler } from './loader.ts'
import { runHandler } from '../pipeline.ts'
import { loaderNeeded } from '../loader-decision.ts'
import { CID_V1 } from '../../src/lib/cid-examples.ts'
import { parseSourceHeader } from '../../src/lib/source-tally.ts'
import type { Handler } from '../pipeline.ts'
import type { LoaderDecisionComponents } from '../loader-decision.ts'
import type { LoaderHandlerComponents } from './loader.ts'

const GATEWAY = 'localhost:8080'
const ROOT = CID.parse(CID_V1)

describe('loaderNeeded', () => {
  const decide = async (overrides: Partial<LoaderDecisionComponents>): Promise<boolean> => loaderNeeded(ROOT, {
    peerTabOpen: () => false,
    stored: async () => false,
    edgesHold: async () => false,
    browsersListed: async () => true,
    ...overrides
  })

  it('answers with the loader only when no tab runs a peer, nothing is stored, no edge holds it and browsers are listed', async () => {
    expect(await decide({})).toBe(true)
    expect(await decide({ peerTabOpen: () => true })).toBe(false)
    expect(await decide({ stored: async () => true })).toBe(false)
    expect(await decide({ edgesHold: async () => true })).toBe(false)
    // nobody has it: the content engine's prompt error, not a loader waiting for no one
    expect(await decide({ browsersListed: async () => false })).toBe(false)
  })

  it('decides on the first answer that rules the loader out, without waiting for the other lookup', async () => {
    const never = async (): Promise<boolean> => new Promise(() => {})
    expect(await decide({ edgesHold: async () => true, browsersListed: never })).toBe(false)
    expect(await decide({ edgesHold: never, browsersListed: async () => false })).toBe(false)
  })

  it('counts an edge or a router that fails as one that says no', async () => {
    expect(await decide({ edgesHold: async () => { throw new TypeError('Failed to fetch') } })).toBe(true)
    expect(await decide({ browsersListed: async () => { throw new TypeError('Failed to fetch') } })).toBe(false)
  })
})

/** The content handler's stand-in: says which requests reached it */
function content (): Handler & { seen: string[] } {
  const seen: string[] = []
  return {
    id: 'content',
    seen,
    canHandle: (_request, url) => url.pathname.startsWith('/ipfs/') || url.host.includes('.ipfs.'),
    async handle (request) {
      seen.push(request.url)
      return new Response('content')
    }
  }
}

function handler (origin: string, overrides: Partial<LoaderHandlerComponents> = {}): { loader: Handler, content: ReturnType<typeof content> } {
  const inner = content()
  const loader = loaderHandler({
    origin,
    gatewayHost: GATEWAY,
    content: inner,
    subdomains: async () => origin.includes('.ipfs.'),
    // a node whose edge list is empty: no edge holds anything, and no browser is listed
    node: async () => ({ config: { edges: [] } as any, local: { has: async () => false } as any }),
    peerTabOpen: () => false,
    script: 'assets/loader-abc.js',
    ...overrides
  })
  return { loader, content: inner }
}

async function navigate (loader: Handler, url: string): Promise<Response> {
  const request = new Request(url, { headers: { Accept: 'text/html' } })
  Object.defineProperty(request, 'mode', { value: 'navigate' })
  return runHandler(loader, request, new URL(url))
}

describe('loaderHandler', () => {
  it('leaves to the content handler a navigation no browser is listed for, and every request that is not a navigation', async () => {
    const { loader, content } = handler(`http://${CID_V1}.ipfs.${GATEWAY}`)
    expect(await (await navigate(loader, `http://${CID_V1}.ipfs.${GATEWAY}/`)).text()).toBe('content')
    expect(await (await runHandler(loader, new Request(`http://${CID_V1}.ipfs.${GATEWAY}/a.css`), new URL(`http://${CID_V1}.ipfs.${GATEWAY}/a.css`))).text()).toBe('content')
    expect(content.seen).toHaveLength(2)
  })

  it('on a root\'s own origin answers the navigation with the loader page: our script only, never stored, no blocks', async () => {
    const origin = `http://${CID_V1}.ipfs.${GATEWAY}`
    const { loader, content } = handler(origin)
    const response = await navigate(loader, `${origin}/page.html?x=<b>`)
    // the node above lists no browser: this one does
    expect(content.seen).toHaveLength(1)
    const listed = handler(origin, { node: nodeListingBrowsers() })
    const page = await navigate(listed.loader, `${origin}/page.html?x=<b>`)
    expect(listed.content.seen).toEqual([])
    expect(page.status).toBe(200)
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(parseSourceHeader(page.headers.get('x-edgeway-source'))).toEqual({ cache: 0, edge: 0, peer: 0 })
    expect(page.headers.get('server-timing')).toMatch(/^edgeway-loader;/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const html = await page.text()
    expect(html).toContain('<script type="module" src="/_edgeway/assets/loader-abc.js"></script>')
    expect(html).toContain('data-testid="fetch-progress"')
    // nothing of the request reaches the markup
    expect(html).not.toContain('page.html')
    expect(html).not.toContain('<b>')
    expect(response.status).toBe(200)
  })

  it('on a shared origin (path mode) keeps content sandboxed: the navigation goes to the loader page under /_edgeway/', async () => {
    const origin = `http://${GATEWAY}`
    const { loader, content } = handler(origin, { node: nodeListingBrowsers() })
    const moved = await navigate(loader, `${origin}/ipfs/${CID_V1}/a b.html?q=1`)
    expect(moved.status).toBe(303)
    expect(moved.headers.get('location')).toBe(`/_edgeway/loader?path=${encodeURIComponent(`/ipfs/${CID_V1}/a%20b.html?q=1`)}`)
    expect(moved.headers.get('cache-control')).toBe('no-store')
    expect(content.seen).toEqual([])
    const page = await navigate(loader, `${origin}${moved.headers.get('location')!}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('/_edgeway/assets/loader-abc.js')
  })

  it('opens nothing but content of its own origin', async () => {
    const origin = `http://${GATEWAY}`
    const { loader } = handler(origin)
    for (const path of ['https://evil.example/ipfs/x', '//evil.example/ipfs/x', '/', '/_edgeway/stats', '']) {
      const response = await navigate(loader, `${origin}/_edgeway/loader?path=${encodeURIComponent(path)}`)
      expect(response.status, path).toBe(400)
    }
  })

  it('answers as before on an origin that does not serve the loader\'s script (a dApp\'s own SW)', async () => {
    const origin = `http://${GATEWAY}`
    const { loader, content } = handler(origin, { node: nodeListingBrowsers(), script: 'assets/loader-not-there.js' })
    expect(await (await navigate(loader, `${origin}/ipfs/${CID_V1}/`)).text()).toBe('content')
    expect(content.seen).toHaveLength(1)
  })

  it('answers as before where the page build has no loader, and for /ipns/ names', async () => {
    const origin = `http://${GATEWAY}`
    const without = handler(origin, { node: nodeListingBrowsers(), script: undefined })
    expect(await (await navigate(without.loader, `${origin}/ipfs/${CID_V1}/`)).text()).toBe('content')
    expect(without.loader.canHandle(new Request(`${origin}/_edgeway/loader?path=/ipfs/x`), new URL(`${origin}/_edgeway/loader?path=/ipfs/x`))).toBe(false)
    const names = handler(origin, { node: nodeListingBrowsers() })
    expect(await (await navigate(names.loader, `${origin}/ipns/example.org/`)).text()).toBe('content')
  })
})

const EDGE_ID = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const BROWSER_ID = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

/**
 * A node whose one edge holds nothing and lists a browser behind its relay
 * (the edge's answers are `fetch`'s, stubbed below: a real server adds
 * nothing to what the handler decides)
 */
function nodeListingBrowsers (): LoaderHandlerComponents['node'] {
  const edge = { http: 'http://edge.invalid', peerId: EDGE_ID, multiaddrs: [] }
  return async () => ({ config: { edges: [edge] } as any, local: { has: async () => false } as any })
}

beforeEach(() => {
  vi.stubGlobal('fetch', async (url: string | URL, init: RequestInit = {}) => {
    if (url.toString().startsWith('http://edge.invalid/routing/v1/providers/')) {
      return Response.json({ Providers: [{ Schema: 'peer', ID: BROWSER_ID, Protocols: ['transport-bitswap'], Addrs: [`/ip4/127.0.0.1/tcp/1/ws/p2p/${EDGE_ID}/p2p-circuit`] }] })
    }
    expect(init.method).toBe('HEAD')
    // the gateway serves the loader's script; the edge holds nothing
    return new Response(null, { status: url.toString().includes('/_edgeway/assets/loader-abc.js') ? 200 : 404 })
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})
