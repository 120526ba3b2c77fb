import { describe, expect, it } from 'vitest'
import { CID_V0, CID_V1, CID_V1_BASE36, KEY_BASE36, KEY_PEER_ID, OTHER_CID } from './cid-examples.ts'
import { contentPathFor, gatewayHostOf, gatewayLocationFor, splitSubdomainHost, toSubdomainUrl } from './subdomain-gateway.ts'

const GATEWAY = 'localhost:8080'

const invalid = expect.objectContaining({ name: 'InvalidRequestError', status: 400 })

describe('subdomain hosts', () => {
  it('splits a subdomain host and finds the gateway host from either kind of origin', () => {
    expect(splitSubdomainHost(`${CID_V1}.ipfs.localhost:8080`)).toEqual({ namespace: 'ipfs', label: CID_V1, gatewayHost: GATEWAY })
    expect(splitSubdomainHost('en-wikipedia--on--ipfs-org.ipns.dweb.link')).toEqual({ namespace: 'ipns', label: 'en-wikipedia--on--ipfs-org', gatewayHost: 'dweb.link' })
    expect(splitSubdomainHost(GATEWAY)).toBeNull()
    expect(splitSubdomainHost('ipfs.localhost')).toBeNull()
    expect(gatewayHostOf(`${CID_V1}.ipfs.localhost:8080`)).toBe(GATEWAY)
    expect(gatewayHostOf(GATEWAY)).toBe(GATEWAY)
  })
})

describe('contentPathFor', () => {
  it('maps every path on a subdomain origin under its root, query included', () => {
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/`), GATEWAY)).toBe(`/ipfs/${CID_V1}/`)
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/sw.js`), GATEWAY)).toBe(`/ipfs/${CID_V1}/sw.js`)
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/a%20b/c.txt?format=raw`), GATEWAY)).toBe(`/ipfs/${CID_V1}/a%20b/c.txt?format=raw`)
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/ipfs/x`), GATEWAY)).toBe(`/ipfs/${CID_V1}/ipfs/x`)
    expect(contentPathFor(new URL(`http://${KEY_BASE36}.ipns.localhost:8080/x`), GATEWAY)).toBe(`/ipns/${KEY_BASE36}/x`)
    expect(contentPathFor(new URL('http://en-wikipedia--on--ipfs-org.ipns.localhost:8080/wiki/'), GATEWAY)).toBe('/ipns/en.wikipedia-on-ipfs.org/wiki/')
  })

  it('keeps the reserved paths and other hosts\' ordinary paths out', () => {
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/_edgeway/sw.js`), GATEWAY)).toBeNull()
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/_edgeway/stats`), GATEWAY)).toBeNull()
    expect(contentPathFor(new URL('http://localhost:8080/'), GATEWAY)).toBeNull()
    expect(contentPathFor(new URL('http://localhost:8080/sw.js'), GATEWAY)).toBeNull()
    expect(contentPathFor(new URL('http://localhost:8080/ipfsx/a'), GATEWAY)).toBeNull()
    // a subdomain of some other gateway is just another host
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.example.net/x`), GATEWAY)).toBeNull()
  })

  it('passes path gateway URLs through as they are', () => {
    expect(contentPathFor(new URL(`http://localhost:8080/ipfs/${CID_V0}/x?y=1`), GATEWAY)).toBe(`/ipfs/${CID_V0}/x?y=1`)
    expect(contentPathFor(new URL(`http://${CID_V1}.ipfs.localhost:8080/x`), `${CID_V1}.ipfs.localhost:8080`)).toBeNull()
  })

  it('answers 400 for a subdomain label that names no root', () => {
    for (const host of ['not-a-cid.ipfs', `${CID_V0.toLowerCase()}.ipfs`, `${CID_V1}.ipns`, 'en.wikipedia-on-ipfs.org.ipns']) {
      expect(() => contentPathFor(new URL(`http://${host}.localhost:8080/`), GATEWAY), host).toThrow(invalid)
    }
  })
})

describe('toSubdomainUrl', () => {
  it('moves path URLs on the gateway host to their root\'s origin, path and query kept', () => {
    expect(toSubdomainUrl(new URL(`http://localhost:8080/ipfs/${CID_V0}/x?y=1`), GATEWAY)).toBe(`http://${CID_V1}.ipfs.localhost:8080/x?y=1`)
    expect(toSubdomainUrl(new URL(`http://localhost:8080/ipfs/${CID_V1}`), GATEWAY)).toBe(`http://${CID_V1}.ipfs.localhost:8080/`)
    expect(toSubdomainUrl(new URL(`https://dweb.link/ipns/${KEY_PEER_ID}/a/`), 'dweb.link')).toBe(`https://${KEY_BASE36}.ipns.dweb.link/a/`)
    expect(toSubdomainUrl(new URL('http://localhost:8080/ipns/en.wikipedia-on-ipfs.org/wiki/'), GATEWAY)).toBe('http://en-wikipedia--on--ipfs-org.ipns.localhost:8080/wiki/')
  })

  it('leaves other URLs, other hosts and IP addresses alone', () => {
    expect(toSubdomainUrl(new URL('http://localhost:8080/sw.js'), GATEWAY)).toBeNull()
    expect(toSubdomainUrl(new URL(`http://127.0.0.1:9000/ipfs/${CID_V1}/`), GATEWAY)).toBeNull()
    expect(toSubdomainUrl(new URL(`http://127.0.0.1:8080/ipfs/${CID_V1}/`), '127.0.0.1:8080')).toBeNull()
    expect(toSubdomainUrl(new URL(`http://${CID_V1}.ipfs.localhost:8080/ipfs/${CID_V1}/`), GATEWAY)).toBeNull()
  })

  it('answers 400 for a root that is invalid or too long for a DNS name', () => {
    for (const path of ['/ipfs/', '/ipfs/not-a-cid/x', '/ipns/localhost/', '/ipfs/%E0%A4%A/']) {
      expect(() => toSubdomainUrl(new URL(`http://localhost:8080${path}`), GATEWAY), path).toThrow(invalid)
    }
    const longHost = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(20)}`
    expect(() => toSubdomainUrl(new URL(`http://${longHost}/ipfs/${CID_V1}/`), longHost)).toThrow(invalid)
  })
})

describe('gatewayLocationFor', () => {
  it('keeps a redirect on the subdomain origin, in path form without the root', () => {
    expect(gatewayLocationFor(`ipfs://${CID_V1}/dir/`, new URL(`http://${CID_V1}.ipfs.localhost:8080/dir`), GATEWAY)).toBe('/dir/')
    expect(gatewayLocationFor(`ipfs://${CID_V1}/dir/?q=1`, new URL(`http://${CID_V1_BASE36}.ipfs.localhost:8080/dir?q=1`), GATEWAY))
      .toBe('/dir/?q=1')
  })

  it('sends another root to its own origin, and keeps the path form on the gateway host', () => {
    expect(gatewayLocationFor(`ipfs://${OTHER_CID}/`, new URL(`http://${CID_V1}.ipfs.localhost:8080/x`), GATEWAY)).toBe(`http://${OTHER_CID}.ipfs.localhost:8080/`)
    expect(gatewayLocationFor(`ipfs://${CID_V1}/dir/`, new URL(`http://localhost:8080/ipfs/${CID_V1}/dir`), GATEWAY)).toBe(`/ipfs/${CID_V1}/dir/`)
    expect(gatewayLocationFor(`/ipfs/${CID_V1}/dir/`, new URL(`http://${CID_V1}.ipfs.localhost:8080/dir`), GATEWAY)).toBe('/dir/')
    expect(gatewayLocationFor('https://example.net/', new URL(`http://${CID_V1}.ipfs.localhost:8080/x`), GATEWAY)).toBe('https://example.net/')
  })
})
