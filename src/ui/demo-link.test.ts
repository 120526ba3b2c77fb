import { describe, expect, it } from 'vitest'
import { parseConfig } from '../lib/config.ts'
import { demoSiteUrl } from './demo-link.ts'

const ROOT = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('demoSiteUrl', () => {
  it('the root\'s own origin in subdomain mode', () => {
    expect(demoSiteUrl(parseConfig({ demoRoot: ROOT, subdomains: true }), new URL('http://localhost:8080/'))).toBe(`http://${ROOT}.ipfs.localhost:8080/`)
  })

  it('the path on the gateway\'s origin in path mode, or where the host has no subdomains', () => {
    expect(demoSiteUrl(parseConfig({ demoRoot: ROOT }), new URL('http://localhost:8080/'))).toBe(`http://localhost:8080/ipfs/${ROOT}/`)
    expect(demoSiteUrl(parseConfig({ demoRoot: ROOT, subdomains: true }), new URL('http://127.0.0.1:8080/'))).toBe(`http://127.0.0.1:8080/ipfs/${ROOT}/`)
  })

  it('nothing when the gateway has no demo site', () => {
    expect(demoSiteUrl(parseConfig({ subdomains: true }), new URL('http://localhost:8080/'))).toBeUndefined()
  })
})
