import { describe, expect, it } from 'vitest'
import { parseContentUrl, parseGatewayPath, toIpfsUrl } from './parse-gateway-url.ts'

const V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'

describe('parseGatewayPath', () => {
  it('reads the CID and keeps the path and query as on the wire', () => {
    const address = parseGatewayPath(`/ipfs/${V1}/a%20b/c.txt`, '?format=raw')
    expect(address?.cid.toString()).toBe(V1)
    expect(address?.path).toBe('/a%20b/c.txt')
    expect(address?.search).toBe('?format=raw')
  })

  it('accepts a bare CID and a CIDv0', () => {
    expect(parseGatewayPath(`/ipfs/${V1}`)?.path).toBe('')
    expect(parseGatewayPath(`/ipfs/${V0}/`)?.cid.version).toBe(0)
  })

  it('passes paths that are not content on', () => {
    expect(parseGatewayPath('/')).toBeNull()
    expect(parseGatewayPath('/sw.js')).toBeNull()
    expect(parseGatewayPath('/ipfsx/abc')).toBeNull()
  })

  it('rejects bad content paths with InvalidRequestError (400)', () => {
    for (const path of ['/ipfs/', '/ipfs/not-a-cid', `/ipfs/${V1}/%2e%2e/x`, `/ipfs/${V1}/a%2Fb`, `/ipfs/${V1}/%E0%A4%A`, `/ipfs/${V1}/${'a'.repeat(5000)}`]) {
      expect(() => parseGatewayPath(path), path).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
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
