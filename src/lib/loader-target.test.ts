import { describe, expect, it } from 'vitest'
import { CID_V1 } from './cid-examples.ts'
import { loaderTarget, wholeDagPath } from './loader-target.ts'

const GATEWAY = 'localhost:8080'

describe('loaderTarget', () => {
  it('is the page\'s own URL on a root\'s own origin', () => {
    expect(loaderTarget(new URL(`http://${CID_V1}.ipfs.${GATEWAY}/docs/a.html?x=1#top`), GATEWAY)).toBe('/docs/a.html?x=1#top')
  })

  it('is the path given at /_edgeway/loader, when that is content of the same origin', () => {
    const path = `/ipfs/${CID_V1}/a%20b.html?filename=x.txt`
    expect(loaderTarget(new URL(`http://${GATEWAY}/_edgeway/loader?path=${encodeURIComponent(path)}`), GATEWAY)).toBe(path)
  })

  it('on a root\'s own origin takes any path of that root (what "try again" opens)', () => {
    const origin = `http://${CID_V1}.ipfs.${GATEWAY}`
    expect(loaderTarget(new URL(`${origin}/_edgeway/loader?path=${encodeURIComponent('/docs/?x=1')}`), GATEWAY)).toBe('/docs/?x=1')
    expect(() => loaderTarget(new URL(`${origin}/_edgeway/loader?path=${encodeURIComponent('/_edgeway/sw.js')}`), GATEWAY)).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })

  it('refuses anything else: another site, the gateway\'s own pages, nothing', () => {
    for (const path of ['https://evil.example/ipfs/x', '//evil.example/ipfs/x', '/\\evil.example/ipfs/x', '/', '/_edgeway/stats', 'ipfs/x', '']) {
      expect(() => loaderTarget(new URL(`http://${GATEWAY}/_edgeway/loader?path=${encodeURIComponent(path)}`), GATEWAY), path).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    }
  })
})

describe('wholeDagPath', () => {
  it('asks for the root\'s whole DAG as a CAR, on the same origin', () => {
    expect(wholeDagPath('/docs/a.html', `${CID_V1}.ipfs.${GATEWAY}`)).toBe('/?format=car')
    expect(wholeDagPath(`/ipfs/${CID_V1}/docs/a.html?x=1`, GATEWAY)).toBe(`/ipfs/${CID_V1}?format=car`)
    expect(() => wholeDagPath('/ipns/example.org/', GATEWAY)).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
  })
})
