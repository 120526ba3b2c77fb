import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { peerIdToCidString } from './peer-cid.ts'

describe('peerIdToCidString', () => {
  it('names an Ed25519 peer as libp2p does', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect(peerIdToCidString(id.toString())).toBe(id.toCID().toString())
    expect(peerIdToCidString(id.toCID().toString())).toBe(id.toCID().toString())
  })

  it('names an RSA (Qm…) peer as libp2p does', () => {
    const id = peerIdFromString('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')
    expect(peerIdToCidString(id.toString())).toBe(id.toCID().toString())
  })

  it('is undefined for what is not a peer id', () => {
    expect(peerIdToCidString('not a peer')).toBeUndefined()
    expect(peerIdToCidString('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).toBeUndefined()
  })
})
