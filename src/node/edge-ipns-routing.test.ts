import { multihashToIPNSRoutingKey } from '@helia/ipns'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EdgeIpnsRouting, IpnsRecordNotFoundError } from './edge-ipns-routing.ts'

const EDGE = 'http://127.0.0.1:9001'
const ROUTER = 'http://127.0.0.1:9002'
const RECORD = new TextEncoder().encode('a signed record, checked by the IPNS resolver, not here')

async function routingKey (): Promise<{ key: Uint8Array, name: string }> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { key: multihashToIPNSRoutingKey(peerId.toMultihash()), name: peerId.toCID().toString(base36) }
}

describe('EdgeIpnsRouting', () => {
  afterEach(() => { vi.unstubAllGlobals() })

  it('asks the edges first, then the routers, for /routing/v1/ipns/<name>', async () => {
    const { key, name } = await routingKey()
    const asked: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url)
      return url.startsWith(ROUTER) ? new Response(RECORD, { status: 200 }) : new Response('no record', { status: 404 })
    })
    const record = await new EdgeIpnsRouting([EDGE, ROUTER]).get(key)
    expect(record).toEqual(RECORD)
    expect(asked).toEqual([`${EDGE}/routing/v1/ipns/${name}`, `${ROUTER}/routing/v1/ipns/${name}`])
  })

  it('says which endpoints failed when none has the record', async () => {
    const { key } = await routingKey()
    vi.stubGlobal('fetch', async () => new Response('no record', { status: 404 }))
    const failed = new EdgeIpnsRouting([EDGE, ROUTER]).get(key)
    await expect(failed).rejects.toThrow(IpnsRecordNotFoundError)
    await expect(failed).rejects.toThrow(`${ROUTER}: HTTP 404`)
  })
})
