import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, MAX_ROUTERS, parseConfig, parseEdge } from './config.ts'

const PEER = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'

describe('parseConfig', () => {
  it('fills defaults that do not reach local or insecure edges', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG)
    expect(DEFAULT_CONFIG.allowLocal).toBe(false)
    expect(DEFAULT_CONFIG.allowInsecure).toBe(false)
  })

  it('reads edges in every accepted form', () => {
    const config = parseConfig({
      edges: [
        'http://127.0.0.1:8080/',
        `/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`,
        { peerId: PEER, multiaddrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`], http: 'https://edge.example/gw/', roots: {} }
      ],
      timeoutMs: 5000,
      allowLocal: true
    })
    expect(config.edges).toEqual([
      { http: 'http://127.0.0.1:8080', multiaddrs: [] },
      { multiaddrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`], peerId: PEER },
      { http: 'https://edge.example/gw', multiaddrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`], peerId: PEER }
    ])
    expect(config.timeoutMs).toBe(5000)
    expect(config.allowLocal).toBe(true)
  })

  it('reads the DNSLink resolver and subdomain mode', () => {
    const config = parseConfig({ dohResolver: 'https://dns.example/dns-query', subdomains: true })
    expect(config.dohResolver).toBe('https://dns.example/dns-query')
    expect(config.subdomains).toBe(true)
    // a local edge's resolver over http:// only where insecure endpoints are allowed (the launcher's case)
    expect(parseConfig({ dohResolver: 'http://127.0.0.1:8080/dns-query', allowInsecure: true }).dohResolver).toBe('http://127.0.0.1:8080/dns-query')
  })

  it('refuses an http:// DNS-over-HTTPS resolver unless insecure endpoints are allowed', () => {
    // whoever sits on the path of a plain-HTTP resolver answers every DNSLink name: the site a name opens
    for (const bad of [{ dohResolver: 'http://dns.example/dns-query' }, { dohResolver: 'http://127.0.0.1:8080/dns-query', allowInsecure: false }]) {
      expect(() => parseConfig(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('allowInsecure') }))
    }
  })

  it('asks no STUN server unless configured, and takes the ones given', () => {
    expect(parseConfig({}).iceServers).toEqual([])
    const servers = [{ urls: 'stun:stun.example:3478' }, { urls: ['turn:turn.example'], username: 'u', credential: 'c' }]
    expect(parseConfig({ iceServers: servers }).iceServers).toEqual(servers)
  })

  it('takes the peer id from a multiaddr when the object has none', () => {
    expect(parseEdge({ multiaddrs: [`/ip4/1.2.3.4/tcp/1/ws/p2p/${PEER}`] }).peerId).toBe(PEER)
    expect(parseEdge({ http: 'http://127.0.0.1:1', functions: true }).functions).toBe(true)
    expect(parseEdge({ http: 'http://127.0.0.1:1', functions: 'yes' }).functions).toBeUndefined()
  })

  it('rejects unusable input with ConfigError', () => {
    for (const bad of [null, 'x', { edges: 'x' }, { edges: ['ftp://x'] }, { edges: [{}] }, { timeoutMs: -1 }, { allowLocal: 'yes' }, { edges: [{ http: 'nope' }] }, { dohResolver: 'dns.example' }, { subdomains: 1 }, { iceServers: 'stun:x' }, { iceServers: [{ url: 'stun:x' }] }]) {
      expect(() => parseConfig(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }
  })

  it('reads routers as base URLs, each once, asking none by default', () => {
    expect(parseConfig({}).routers).toEqual([])
    expect(parseConfig({ routers: ['https://router.example/', 'https://router.example', 'https://other.example/api/routing/v1/', 'http://127.0.0.1:8080'], allowInsecure: true }).routers)
      .toEqual(['https://router.example', 'https://other.example/api', 'http://127.0.0.1:8080'])
  })

  it('refuses routers that are not http(s) URLs, plain HTTP without allowInsecure, and too many', () => {
    const bad = [
      { routers: 'https://router.example' },
      { routers: [42] },
      { routers: ['router.example'] },
      { routers: ['ws://router.example'] },
      { routers: ['https://router.example/?x=1'] },
      { routers: ['http://router.example'] },
      { routers: ['http://127.0.0.1:8080'], allowInsecure: false },
      { routers: Array.from({ length: MAX_ROUTERS + 1 }, (_, i) => `https://r${i}.example`) }
    ]
    for (const input of bad) {
      expect(() => parseConfig(input), JSON.stringify(input)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }
    expect(() => parseConfig({ routers: ['http://router.example'] })).toThrow(/allowInsecure/)
    expect(() => parseConfig({ routers: Array.from({ length: MAX_ROUTERS + 1 }, (_, i) => `https://r${i}.example`) })).toThrow(new RegExp(`at most ${MAX_ROUTERS}`))
    expect(parseConfig({ routers: Array.from({ length: MAX_ROUTERS }, (_, i) => `https://r${i}.example`) }).routers).toHaveLength(MAX_ROUTERS)
  })

  it('reads the demo site\'s root as a CIDv1, and refuses anything else', () => {
    expect(parseConfig({}).demoRoot).toBeUndefined()
    expect(parseConfig({ demoRoot: 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR' }).demoRoot).toBe('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi')
    expect(() => parseConfig({ demoRoot: 'not-a-cid' })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => parseConfig({ demoRoot: 42 })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
  })
})
