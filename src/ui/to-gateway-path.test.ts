import { describe, expect, it } from 'vitest'
import { toGatewayPath } from './to-gateway-path.ts'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('toGatewayPath', () => {
  it('opens what people paste', () => {
    expect(toGatewayPath(` ${CID} `)).toBe(`/ipfs/${CID}/`)
    expect(toGatewayPath(`/ipfs/${CID}/docs/a.html`)).toBe(`/ipfs/${CID}/docs/a.html`)
    expect(toGatewayPath(`ipfs://${CID}/docs/`)).toBe(`/ipfs/${CID}/docs/`)
  })

  it('refuses what is not a content address', () => {
    expect(() => toGatewayPath('hello world')).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })
})
