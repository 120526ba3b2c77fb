import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base16 } from 'multiformats/bases/base16'
import { base32upper } from 'multiformats/bases/base32'
import { base36, base36upper } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { base64url } from 'multiformats/bases/base64'
import { canonicalContentPath, canonicalKeyName, parseCid, parseContentUrl, parseGatewayPath, toIpfsUrl } from './parse-gateway-url.ts'

const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'

describe('parseGatewayPath', () => {
  it('reads the CID and keeps the path and query as on the wire', () => {
    const address = parseGatewayPath(`/ipfs/${V1}/a%20b/c.txt`, '?format=raw')
    expect(address?.protocol === 'ipfs' && address.cid.toString()).toBe(V1)
    expect(address?.path).toBe('/a%20b/c.txt')
    expect(address?.search).toBe('?format=raw')
  })

  it('accepts a bare CID and a CIDv0', () => {
    expect(parseGatewayPath(`/ipfs/${V1}`)?.path).toBe('')
    const v0 = parseGatewayPath(`/ipfs/${V0}/`)
    expect(v0?.protocol === 'ipfs' && v0.cid.version).toBe(0)
  })

  it('accepts a CIDv1 in any multibase and either case, as the same CID', () => {
    const cid = CID.parse(V1)
    const forms = [V1.toUpperCase(), cid.toString(base32upper), cid.toString(base36), cid.toString(base36upper), cid.toString(base58btc), cid.toString(base16), cid.toString(base64url)]
    expect(forms[0]).toBe(forms[1])
    for (const text of forms) {
      const address = parseGatewayPath(`/ipfs/${text}/a.txt`)
      expect(address?.protocol === 'ipfs' && address.cid.equals(cid), text).toBe(true)
      expect(address?.protocol === 'ipfs' && address.cid.toString(), text).toBe(V1)
    }
    // a CIDv0 has one spelling only: base58btc is case-sensitive
    expect(() => parseCid(V0.toUpperCase())).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    // base32 letters are read in either case; the CID is printed in one
    expect(parseCid(V1.slice(0, 10) + V1.slice(10).toUpperCase()).toString()).toBe(V1)
  })

  it('passes paths that are not content on', () => {
    expect(parseGatewayPath('/')).toBeNull()
    expect(parseGatewayPath('/sw.js')).toBeNull()
    expect(parseGatewayPath('/ipfsx/abc')).toBeNull()
  })

  it('rejects CIDs hashed with a function blocks cannot be checked with (400)', () => {
    // a sha3-256 and a sha1 CID: well formed, never verifiable here
    for (const cid of [CID.createV1(0x55, Digest.create(0x16, new Uint8Array(32))), CID.createV1(0x55, Digest.create(0x11, new Uint8Array(20)))].map(String)) {
      expect(() => parseGatewayPath(`/ipfs/${cid}`), cid).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
    }
    // blake3 and sha2-512 CIDs are verified
    for (const cid of ['bafkr4iaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bafkrgqfyergqfcmb22j2662fnl4o7jgk2y6sqlqz74kjilbenzinsni5ejyevabkohbvqc3dodpez2zjhqzevbbdgqsvpvhfyocdr4hdneio4']) {
      expect(parseGatewayPath(`/ipfs/${cid}`)?.protocol, cid).toBe('ipfs')
    }
    expect(parseGatewayPath('/ipfs/bafkqabtimvwgy3yk')?.protocol).toBe('ipfs')
  })

  it('rejects bad content paths with InvalidRequestError (400)', () => {
    for (const path of ['/ipfs/', '/ipfs/not-a-cid', `/ipfs/${V1}/%2e%2e/x`, `/ipfs/${V1}/a%2Fb`, `/ipfs/${V1}/%E0%A4%A`, `/ipfs/${V1}/${'a'.repeat(5000)}`]) {
      expect(() => parseGatewayPath(path), path).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
    }
  })
})

describe('/ipns/ names', () => {
  const KEY = 'k51qzi5uqu5dlxdsdu5fpuu7h69wu4ohp32iwm9pdt9nq3y5rpn3ln9j12zfhe'
  const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

  it('tells keys from DNSLink domains and keeps the path', () => {
    expect(parseGatewayPath(`/ipns/${KEY}/a/`)).toEqual({ protocol: 'ipns', name: KEY, kind: 'key', path: '/a/', search: '' })
    expect(parseGatewayPath(`/ipns/${PEER}`)).toMatchObject({ kind: 'key' })
    expect(parseGatewayPath('/ipns/docs.example.org/x', '?a=1')).toEqual({ protocol: 'ipns', name: 'docs.example.org', kind: 'dnslink', path: '/x', search: '?a=1' })
  })

  it('names the canonical form of a peer-id name, and only of one', () => {
    expect(canonicalKeyName(PEER)).toBe('k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8')
    expect(canonicalKeyName(KEY)).toBeUndefined()
    expect(canonicalKeyName('docs.example.org')).toBeUndefined()
  })

  it('rejects what is neither a key nor a domain', () => {
    for (const path of ['/ipns/', '/ipns/not_a_name', '/ipns/localhost', `/ipns/${V1}`]) {
      expect(() => parseGatewayPath(path), path).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    }
  })
})

describe('parseContentUrl', () => {
  it('takes ipfs:// URLs, gateway paths and gateway URLs alike', () => {
    for (const url of [`ipfs://${V1}/x/y.js`, `/ipfs/${V1}/x/y.js`, `https://example.com/ipfs/${V1}/x/y.js`]) {
      expect(toIpfsUrl(parseContentUrl(url))).toBe(`ipfs://${V1}/x/y.js`)
    }
  })

  it('rejects what is not a content address', () => {
    expect(() => parseContentUrl('https://example.com/index.html')).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    expect(() => parseContentUrl('ipfs://nope/')).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })
})

describe('canonicalContentPath', () => {
  it('moves a CIDv1 written in another base or case to base32, lower case, keeping path and query as on the wire', () => {
    const cid = CID.parse(V1)
    for (const text of [V1.toUpperCase(), cid.toString(base58btc), cid.toString(base36), cid.toString(base36upper)]) {
      expect(canonicalContentPath(`/ipfs/${text}/a%20b/c.txt`, '?format=raw'), text).toBe(`/ipfs/${V1}/a%20b/c.txt?format=raw`)
    }
    expect(canonicalContentPath(`/ipfs/${V1.toUpperCase()}`)).toBe(`/ipfs/${V1}`)
    expect(canonicalContentPath(`/ipfs/${V1.slice(0, 10)}${V1.slice(10).toUpperCase()}/`)).toBe(`/ipfs/${V1}/`)
  })

  it('leaves canonical paths, CIDv0s and names alone', () => {
    expect(canonicalContentPath(`/ipfs/${V1}/x`)).toBeNull()
    expect(canonicalContentPath(`/ipfs/${V0}/x`)).toBeNull()
    expect(canonicalContentPath('/ipns/docs.example/')).toBeNull()
    expect(canonicalContentPath('/nothing-here')).toBeNull()
  })

  it('refuses what is not a CID (400)', () => {
    expect(() => canonicalContentPath('/ipfs/BAFYNOTACID/')).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
  })
})
