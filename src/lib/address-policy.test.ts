import { describe, expect, it } from 'vitest'
import { denyDialByPolicy, isInsecureEdge, isInsecureMultiaddr, isLocalEdge, isLocalHost, multiaddrHost } from './address-policy.ts'

describe('address policy', () => {
  it('knows loopback and private hosts', () => {
    for (const host of ['127.0.0.1', 'localhost', 'a.localhost', '10.1.2.3', '192.168.0.9', '172.20.0.1', '[::1]', '::1', 'fd12::1']) {
      expect(isLocalHost(host), host).toBe(true)
    }
    for (const host of ['8.8.8.8', 'edge.example.net', '172.32.0.1', '2001:db8::1']) {
      expect(isLocalHost(host), host).toBe(false)
    }
  })

  it('reads hosts and TLS from multiaddrs', () => {
    expect(multiaddrHost('/ip4/127.0.0.1/tcp/1/ws/p2p/x')).toBe('127.0.0.1')
    expect(multiaddrHost('/dns4/edge.example.net/tcp/443/wss')).toBe('edge.example.net')
    expect(isInsecureMultiaddr('/ip4/1.2.3.4/tcp/1/ws')).toBe(true)
    expect(isInsecureMultiaddr('/ip4/1.2.3.4/tcp/1/ws/p2p/x')).toBe(true)
    expect(isInsecureMultiaddr('/dns4/e.net/tcp/443/wss')).toBe(false)
    expect(isInsecureMultiaddr('/dns4/e.net/tcp/443/tls/ws')).toBe(false)
  })

  it('classifies whole edges', () => {
    expect(isLocalEdge({ http: 'http://127.0.0.1:8080', multiaddrs: [] })).toBe(true)
    expect(isLocalEdge({ http: 'https://edge.example.net', multiaddrs: ['/dns4/edge.example.net/tcp/443/wss'] })).toBe(false)
    expect(isInsecureEdge({ http: 'https://edge.example.net', multiaddrs: ['/ip4/1.2.3.4/tcp/1/ws'] })).toBe(true)
    expect(isInsecureEdge({ http: 'https://edge.example.net', multiaddrs: [] })).toBe(false)
  })

  it('denies dials to local and ws:// addresses, a relayed one included, unless allowed', () => {
    const relayed = '/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5/p2p-circuit/webrtc'
    expect(denyDialByPolicy({ allowLocal: false, allowInsecure: true })(relayed)).toBe(true)
    expect(denyDialByPolicy({ allowLocal: true, allowInsecure: false })(relayed)).toBe(true)
    expect(denyDialByPolicy({ allowLocal: true, allowInsecure: true })(relayed)).toBe(false)
    expect(denyDialByPolicy({ allowLocal: false, allowInsecure: false })('/dns4/edge.example.net/tcp/443/wss')).toBe(false)
  })
})
