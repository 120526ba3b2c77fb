import { describe, expect, it } from 'vitest'
import { gatewayUrlOf, selectProviders, websocketAddrOf } from './routing-providers.ts'
import type { RoutingRecord } from './routing-answer.ts'

const EDGE_B = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const KUBO = '12D3KooWSZchdtJXnAiFqAn72KpjdV9QFtPXUdACVn1KQosdMWgW'
const LOCAL = { allowLocal: true, allowInsecure: true }
const PUBLIC = { allowLocal: false, allowInsecure: false }

/** What our edge answers for content it holds */
const EDGE_RECORD: RoutingRecord = {
  ID: EDGE_B,
  Addrs: ['/ip4/127.0.0.1/tcp/4001/ws', '/ip4/127.0.0.1/tcp/8081/http'],
  Protocols: ['transport-bitswap', 'transport-ipfs-gateway-http']
}

/** What Kubo answers from its DHT: no protocols, every transport it listens on */
const KUBO_RECORD: RoutingRecord = {
  ID: KUBO,
  Addrs: ['/ip4/127.0.0.1/tcp/4002', '/ip4/127.0.0.1/udp/4002/quic-v1', '/ip4/127.0.0.1/tcp/4003/ws', '/ip6/::1/tcp/4003/ws']
}

describe('gatewayUrlOf', () => {
  it('turns HTTP multiaddrs into gateway URLs', () => {
    expect(gatewayUrlOf('/ip4/127.0.0.1/tcp/8081/http')).toBe('http://127.0.0.1:8081')
    expect(gatewayUrlOf('/ip6/::1/tcp/8081/http')).toBe('http://[::1]:8081')
    expect(gatewayUrlOf('/dns4/gw.example/tcp/443/https')).toBe('https://gw.example')
    expect(gatewayUrlOf('/dns/gw.example/tcp/8443/tls/http')).toBe('https://gw.example:8443')
    expect(gatewayUrlOf('/ip4/1.2.3.4/tcp/443/tls/sni/gw.example/http')).toBe('https://gw.example')
    expect(gatewayUrlOf(`/dns/gw.example/tcp/443/https/p2p/${KUBO}`)).toBe('https://gw.example')
  })

  it('is undefined for anything else', () => {
    for (const address of ['/ip4/1.2.3.4/tcp/4001', '/ip4/1.2.3.4/tcp/4001/ws', '/ip4/1.2.3.4/udp/1/quic-v1', '/dnsaddr/x.example', 'not a multiaddr', '/ip4/1.2.3.4/tcp/80/http/p2p-circuit']) {
      expect(gatewayUrlOf(address), address).toBeUndefined()
    }
  })
})

describe('websocketAddrOf', () => {
  it('keeps WebSocket addresses, ending in the peer id', () => {
    expect(websocketAddrOf('/ip4/127.0.0.1/tcp/4003/ws', KUBO)).toBe(`/ip4/127.0.0.1/tcp/4003/ws/p2p/${KUBO}`)
    expect(websocketAddrOf(`/dns4/kubo.example/tcp/443/wss/p2p/${KUBO}`, KUBO)).toBe(`/dns4/kubo.example/tcp/443/wss/p2p/${KUBO}`)
    expect(websocketAddrOf('/dns/kubo.example/tcp/443/tls/sni/kubo.example/ws', KUBO)).toBe(`/dns/kubo.example/tcp/443/tls/sni/kubo.example/ws/p2p/${KUBO}`)
  })

  it('leaves out other transports, relayed addresses and another peer\'s addresses', () => {
    for (const address of ['/ip4/127.0.0.1/tcp/4002', '/ip4/127.0.0.1/udp/4002/quic-v1/webtransport', `/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE_B}/p2p-circuit`, `/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE_B}`]) {
      expect(websocketAddrOf(address, KUBO), address).toBeUndefined()
    }
  })
})

describe('selectProviders', () => {
  it('asks our edge over HTTP only: asking it over bitswap too would bring every block twice', () => {
    expect(selectProviders([EDGE_RECORD], LOCAL)).toEqual({ http: ['http://127.0.0.1:8081'], bitswap: [] })
  })

  it('takes a Kubo DHT record (no protocols, mixed transports) as a bitswap provider with its WebSocket addresses', () => {
    expect(selectProviders([KUBO_RECORD], LOCAL)).toEqual({
      http: [],
      bitswap: [{ peerId: KUBO, multiaddrs: [`/ip4/127.0.0.1/tcp/4003/ws/p2p/${KUBO}`, `/ip6/::1/tcp/4003/ws/p2p/${KUBO}`] }]
    })
    // a record listing bitswap is the same; one listing only other protocols is not asked
    expect(selectProviders([{ ...KUBO_RECORD, Protocols: ['transport-bitswap'] }], LOCAL).bitswap).toHaveLength(1)
    expect(selectProviders([{ ...KUBO_RECORD, Protocols: ['transport-graphsync-filecoinv1'] }], LOCAL)).toEqual({ http: [], bitswap: [] })
  })

  it('uses an HTTP address only from a record that lists the gateway protocol (or none)', () => {
    const bitswapOnly: RoutingRecord = { ...EDGE_RECORD, Protocols: ['transport-bitswap'] }
    expect(selectProviders([bitswapOnly], LOCAL)).toEqual({ http: [], bitswap: [{ peerId: EDGE_B, multiaddrs: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${EDGE_B}`] }] })
    expect(selectProviders([{ ID: 'not-a-peer-id', Addrs: ['/dns/gw.example/tcp/443/https'] }], PUBLIC)).toEqual({ http: ['https://gw.example'], bitswap: [] })
  })

  it('applies the edges\' address policy: loopback only with allowLocal, http:// and ws:// only with allowInsecure', () => {
    expect(selectProviders([EDGE_RECORD, KUBO_RECORD], PUBLIC)).toEqual({ http: [], bitswap: [] })
    expect(selectProviders([EDGE_RECORD], { allowLocal: true, allowInsecure: false })).toEqual({ http: [], bitswap: [] })
    const publicRecord: RoutingRecord = { ID: KUBO, Addrs: ['/ip4/10.0.0.5/tcp/443/https', '/ip4/8.8.4.4/tcp/80/http', '/dns4/gw.example/tcp/443/https'], Protocols: ['transport-ipfs-gateway-http'] }
    expect(selectProviders([publicRecord], PUBLIC).http).toEqual(['https://gw.example'])
  })

  it('keeps a few providers per transport, each once, and none of the configured edges', () => {
    const many: RoutingRecord[] = Array.from({ length: 50 }, (_, i) => ({ ID: `peer-${i}`, Addrs: [`/dns4/gw${i}.example/tcp/443/https`], Protocols: ['transport-ipfs-gateway-http'] }))
    expect(selectProviders(many, PUBLIC).http).toEqual(['https://gw0.example', 'https://gw1.example', 'https://gw2.example'])
    expect(selectProviders([many[0], many[0], many[1]], { ...PUBLIC, maxHttp: 5 }).http).toEqual(['https://gw0.example', 'https://gw1.example'])
    expect(selectProviders(many.slice(0, 3), { ...PUBLIC, excludeHttp: new Set(['https://gw1.example']) }).http).toEqual(['https://gw0.example', 'https://gw2.example'])
    expect(selectProviders([EDGE_RECORD, KUBO_RECORD], { ...LOCAL, excludePeers: new Set([EDGE_B]) }).http).toEqual([])
  })
})
