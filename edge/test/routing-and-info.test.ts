import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import { createSiteFixture } from './fixtures.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

const ABSENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('delegated routing v1 and /info', () => {
  let fixture: SiteFixture
  let edge: Edge
  let root: string

  beforeAll(async () => {
    fixture = await createSiteFixture()
    edge = await startEdge({ serve: [fixture.site] })
    root = edge.info.roots[fixture.site]
  })

  afterAll(async () => {
    await edge?.stop()
    await fixture?.cleanup()
  })

  function expectedRecord (): Record<string, unknown> {
    const httpPort = new URL(edge.info.http).port
    return {
      Schema: 'peer',
      ID: edge.info.peerId,
      Addrs: [
        ...edge.info.multiaddrs.map(addr => addr.replace(`/p2p/${edge.info.peerId}`, '')),
        `/ip4/127.0.0.1/tcp/${httpPort}/http`
      ],
      Protocols: ['transport-bitswap', 'transport-ipfs-gateway-http']
    }
  }

  it('lists itself as the provider of a block it holds', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/providers/${root}`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(await response.json()).toEqual({ Providers: [expectedRecord()] })
  })

  it('answers NDJSON when asked', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/providers/${root}`, {
      headers: { Accept: 'application/x-ndjson' }
    })

    expect(response.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await response.text()).trim().split('\n')
    expect(lines.map(line => JSON.parse(line))).toEqual([expectedRecord()])
  })

  it('answers 404 with an empty body for a block it does not hold', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/providers/${ABSENT}`)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('')
  })

  it('answers 400 for an invalid CID', async () => {
    expect((await fetch(`${edge.info.http}/routing/v1/providers/not-a-cid`)).status).toBe(400)
  })

  it('knows itself as a peer and no one else', async () => {
    const self = await fetch(`${edge.info.http}/routing/v1/peers/${edge.info.peerId}`)
    expect(self.status).toBe(200)
    expect(await self.json()).toEqual({ Peers: [expectedRecord()] })

    const other = await fetch(`${edge.info.http}/routing/v1/peers/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5`)
    expect(other.status).toBe(404)
  })

  it('resolves an IPNS name only to a record it was given', async () => {
    const response = await fetch(`${edge.info.http}/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8`)
    expect(response.status).toBe(404)
  })

  it('serves its EdgeInfo at /info', async () => {
    const response = await fetch(`${edge.info.http}/info`)

    expect(response.status).toBe(200)
    const info = await response.json()
    expect(info).toEqual(edge.info)
    expect(info.peerId).toMatch(/^12D3Koo/)
    expect(info.multiaddrs[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${info.peerId}$`))
    expect(info.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.roots).toEqual({ [fixture.site]: root })
    expect(root).toMatch(/^bafy/)
  })
})

describe('stop()', () => {
  it('is quick with keep-alive and unfinished responses open', async () => {
    const fixture = await createSiteFixture()
    const edge = await startEdge({ serve: [fixture.site] })
    try {
      const root = edge.info.roots[fixture.site]
      await (await fetch(`${edge.info.http}/info`)).json()
      const unread = await fetch(`${edge.info.http}/ipfs/${root}?format=car`)
      expect(unread.status).toBe(200)

      const started = Date.now()
      await edge.stop()
      expect(Date.now() - started).toBeLessThan(2000)
      await expect(fetch(`${edge.info.http}/info`)).rejects.toThrow()
      await edge.stop()
    } finally {
      await fixture.cleanup()
    }
  })
})
