import { describe, expect, it } from 'vitest'
import { CID_SHA512, CID_V0, CID_V1, CID_V1_BASE36, KEY_BASE32, KEY_BASE36, KEY_PEER_ID } from './cid-examples.ts'
import { decodeDnslinkLabel, inlineDnslinkName, labelForRoot, rootFromLabel } from './subdomain-label.ts'

const invalid = expect.objectContaining({ name: 'InvalidRequestError', status: 400 })

describe('DNSLink names in one label', () => {
  it('inlines and decodes the way the subdomain gateway spec says', () => {
    expect(inlineDnslinkName('en.wikipedia-on-ipfs.org')).toBe('en-wikipedia--on--ipfs-org')
    expect(decodeDnslinkLabel('en-wikipedia--on--ipfs-org')).toBe('en.wikipedia-on-ipfs.org')
    expect(decodeDnslinkLabel(inlineDnslinkName('xn--bcher-kva.example'))).toBe('xn--bcher-kva.example')
  })
})

describe('rootFromLabel', () => {
  it('reads a CIDv1 label in base32 or base36 as base32', () => {
    expect(rootFromLabel('ipfs', CID_V1)).toBe(CID_V1)
    expect(rootFromLabel('ipfs', CID_V1_BASE36)).toBe(CID_V1)
  })

  it('reads IPNS keys as base36 libp2p-keys and inlined DNSLink names as names', () => {
    expect(rootFromLabel('ipns', KEY_BASE36)).toBe(KEY_BASE36)
    expect(rootFromLabel('ipns', 'en-wikipedia--on--ipfs-org')).toBe('en.wikipedia-on-ipfs.org')
  })

  it('answers 400 for a CIDv0, other encodings, long labels and names that are not inlined', () => {
    expect(() => rootFromLabel('ipfs', CID_V0.toLowerCase())).toThrow(expect.objectContaining({ name: 'InvalidRequestError', message: expect.stringContaining('CIDv0') }))
    for (const [namespace, label] of [
      ['ipfs', 'not-a-cid'], ['ipfs', 'zdj7wjuh'], ['ipfs', `${CID_V1}aaaaa`], ['ipfs', CID_SHA512],
      ['ipns', CID_V1], ['ipns', 'localhost'], ['ipns', 'a---b-com'], ['ipns', 'en.wikipedia-on-ipfs.org'], ['ipns', '-example-com']
    ] as const) {
      expect(() => rootFromLabel(namespace, label), `${label}.${namespace}`).toThrow(invalid)
    }
  })
})

describe('labelForRoot', () => {
  it('turns any CID into CIDv1 base32, and base36 when base32 is too long for a label', () => {
    expect(labelForRoot('ipfs', CID_V0)).toBe(CID_V1)
    expect(labelForRoot('ipfs', CID_V1)).toBe(CID_V1)
    expect(labelForRoot('ipfs', KEY_BASE36)).toBe(KEY_BASE36)
    expect(labelForRoot('ipfs', KEY_BASE32)).toBe(KEY_BASE36)
  })

  it('turns IPNS keys in any form into base36 and inlines DNSLink names', () => {
    for (const key of [KEY_BASE36, KEY_BASE32, KEY_PEER_ID]) {
      expect(labelForRoot('ipns', key), key).toBe(KEY_BASE36)
    }
    expect(labelForRoot('ipns', 'En.Wikipedia-on-IPFS.org')).toBe('en-wikipedia--on--ipfs-org')
  })

  it('answers 400 for roots that are invalid or fit no label', () => {
    for (const [namespace, root] of [
      ['ipfs', 'not-a-cid'], ['ipfs', CID_SHA512], ['ipns', 'localhost'], ['ipns', CID_V1], ['ipns', `${'a'.repeat(40)}.${'b'.repeat(30)}.org`]
    ] as const) {
      expect(() => labelForRoot(namespace, root), root).toThrow(invalid)
    }
  })
})
