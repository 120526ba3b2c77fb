import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { directoryListing, listingEtag } from './dir-listing.ts'
import { matchesEtag } from './present.ts'

const FILE = CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')
const node = dagPb.encode({ Data: new Uint8Array([8, 1]), Links: [{ Name: '<img src=x onerror=alert(1)>.txt', Hash: FILE, Tsize: 2048 }, { Name: 'a b#c', Hash: FILE, Tsize: 5 }] })

describe('directoryListing', () => {
  it('links every entry relative to the directory and escapes names', () => {
    const html = directoryListing({ node, cid: 'bafydir', path: '/ipfs/bafydir/sub/', atRoot: false })
    expect(html).toContain('href="./a%20b%23c"')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;.txt')
    expect(html).not.toContain('<img')
    expect(html).toContain('2.0 KiB')
    expect(html).toContain('href="../"')
  })

  it('has no parent link at the content root', () => {
    expect(directoryListing({ node, cid: 'bafydir', path: '/ipfs/bafydir/', atRoot: true })).not.toContain('href="../"')
  })
})

describe('listing entity tags', () => {
  it('match strong, weak, listed and wildcard If-None-Match values', () => {
    const etag = listingEtag('bafydir')
    for (const value of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
      expect(matchesEtag(value, etag), value).toBe(true)
    }
    expect(matchesEtag('"bafydir"', etag)).toBe(false)
    expect(matchesEtag(null, etag)).toBe(false)
  })
})
