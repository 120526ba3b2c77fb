import { dnsLink } from '@helia/dnslink'
import { defaultLogger } from '@libp2p/logger'
import { RecordType, dns } from '@multiformats/dns'
import { dnsJsonOverHttps } from '@multiformats/dns/resolvers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEdge } from '../node/start-edge.ts'
import type { Edge } from '../node/types.ts'

const CID = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'
const RAW_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const NAME = 'k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'

describe('DNS-over-HTTPS for the DNSLink table', () => {
  let edge: Edge
  const query = async (params: string): Promise<Response> => fetch(`${edge.info.dns}?${params}`)

  beforeAll(async () => {
    edge = await startEdge({
      dnslink: {
        'example.org': `/ipfs/${CID}`,
        'Docs.Example.NET.': RAW_CID,
        'name.example.com': `/ipns/${NAME}/blog`
      }
    })
  })

  afterAll(async () => { await edge?.stop() })

  it('announces its endpoint in /info', async () => {
    expect(edge.info.dns).toBe(`${edge.info.http}/dns-query`)
    expect((await (await fetch(`${edge.info.http}/info`)).json()).dns).toBe(edge.info.dns)
  })

  it('answers a TXT query for _dnslink.<domain> as Google and Cloudflare do', async () => {
    const response = await query('name=_dnslink.example.org&type=TXT')

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/dns-json')
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(await response.json()).toEqual({
      Status: 0,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: '_dnslink.example.org.', type: 16 }],
      Answer: [{ name: '_dnslink.example.org.', type: 16, TTL: 60, data: `"dnslink=/ipfs/${CID}"` }]
    })
  })

  it('answers for the bare domain too, by type number, in any case and with the final dot', async () => {
    const bare = await (await query('name=example.org&type=16')).json()
    expect(bare.Answer).toEqual([{ name: 'example.org.', type: 16, TTL: 60, data: `"dnslink=/ipfs/${CID}"` }])

    const docs = await (await query('name=_dnslink.docs.example.net.&type=txt')).json()
    expect(docs.Answer[0].data).toBe(`"dnslink=/ipfs/${RAW_CID}"`)
  })

  it('answers NXDOMAIN, with no Answer, for a domain it does not know', async () => {
    const body = await (await query('name=_dnslink.unknown.example&type=TXT')).json()
    expect(body.Status).toBe(3)
    expect(body.Question).toEqual([{ name: '_dnslink.unknown.example.', type: 16 }])
    expect(body).not.toHaveProperty('Answer')
  })

  it('answers other record types of a known domain with no records', async () => {
    for (const type of ['A', 'AAAA', '5', undefined]) {
      const body = await (await query(`name=example.org${type == null ? '' : `&type=${type}`}`)).json()
      expect(body.Status, type).toBe(0)
      expect(body, type).not.toHaveProperty('Answer')
    }
  })

  it('answers HEAD with headers only', async () => {
    const response = await fetch(`${edge.info.dns}?name=example.org&type=TXT`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/dns-json')
    expect((await response.arrayBuffer()).byteLength).toBe(0)
  })

  it('refuses a missing or bad name or type, and the wire format', async () => {
    for (const params of ['type=TXT', 'name=&type=TXT', 'name=a%20b&type=TXT', 'name=example.org&type=BOGUS', 'name=example.org&type=70000']) {
      expect((await query(params)).status, params).toBe(400)
    }
    expect((await query('dns=AAABAAABAAAAAAAAB2V4YW1wbGUDb3JnAAAQAAE')).status).toBe(501)
  })

  it('serves @multiformats/dns with its JSON resolver', async () => {
    const resolver = dns({ resolvers: { '.': dnsJsonOverHttps(edge.info.dns) } })

    const response = await resolver.query('_dnslink.example.org', { types: [RecordType.TXT] })
    expect(response.Answer.map(answer => answer.data)).toEqual([`"dnslink=/ipfs/${CID}"`])

    await expect(resolver.query('_dnslink.unknown.example', { types: [RecordType.TXT] })).rejects.toThrow()
  })

  it('resolves DNSLink through @helia/dnslink, which @helia/verified-fetch uses', async () => {
    const resolver = dns({ resolvers: { '.': dnsJsonOverHttps(edge.info.dns) } })
    const dnslink = dnsLink({ dns: resolver, logger: defaultLogger() })

    const [ipfs] = await dnslink.resolve('example.org')
    expect(ipfs.namespace).toBe('ipfs')
    expect(ipfs.namespace === 'ipfs' ? ipfs.cid.toString() : undefined).toBe(CID)

    const [ipns] = await dnslink.resolve('name.example.com')
    expect(ipns).toMatchObject({ namespace: 'ipns', path: '/blog' })

    await expect(dnslink.resolve('unknown.example')).rejects.toThrow()
  })
})

describe('DNSLink start-up checks', () => {
  it('refuses a bad table before starting anything', async () => {
    await expect(startEdge({ dnslink: { 'example.org': '/ipfs/not-a-cid' } })).rejects.toHaveProperty('name', 'InvalidDnslinkError')
    await expect(startEdge({ dnslink: { 'exa mple.org': CID } })).rejects.toHaveProperty('name', 'InvalidDnslinkError')
  })
})
