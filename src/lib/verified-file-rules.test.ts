import { describe, expect, it } from 'vitest'
import { MAX_VERIFIED_FILES, MAX_VERIFIED_FILE_BYTES, filesToDrop, isFileRequest, isWholeFileResponse, maxVerifiedFileBytes, singleRange, verifiedFilesBudget, warmReadMode } from './verified-file-rules.ts'
import { CID_V1 } from './cid-examples.ts'
import type { KeptFile } from './verified-file-rules.ts'

const MiB = 1024 * 1024

describe('warm-read mode', () => {
  it('keeps whole files only on an origin that is no content root\'s and whose configuration says only Edgeway runs there', () => {
    expect(warmReadMode({ host: 'localhost:8080', verifiedFiles: true })).toBe('verified-files')
    // a dApp's origin: its edgeway.json does not say so
    expect(warmReadMode({ host: 'dapp.example', verifiedFiles: false })).toBe('re-verify')
    // a site's own origin gets the gateway's edgeway.json too, but its scripts can write its storage
    expect(warmReadMode({ host: `${CID_V1}.ipfs.localhost:8080`, verifiedFiles: true })).toBe('re-verify')
    expect(warmReadMode({ host: 'k51qzi5uqu5dl.ipns.localhost:8080', verifiedFiles: true })).toBe('re-verify')
  })
})

describe('which requests and responses are whole files', () => {
  it('takes GET and HEAD of an /ipfs/ path with no query and no Accept for another representation', () => {
    const path = `/ipfs/${CID_V1}/video.webm`
    expect(isFileRequest('GET', path, '', null)).toBe(true)
    expect(isFileRequest('HEAD', path, '', '*/*')).toBe(true)
    expect(isFileRequest('GET', path, '', 'text/html,application/xhtml+xml,*/*;q=0.8')).toBe(true)
    expect(isFileRequest('POST', path, '', null)).toBe(false)
    expect(isFileRequest('GET', '/ipns/example.org/video.webm', '', null)).toBe(false)
    expect(isFileRequest('GET', '/ipfs/', '', null)).toBe(false)
    for (const search of ['?format=raw', '?format=car', '?filename=a.bin&download=true']) {
      expect(isFileRequest('GET', path, search, null), search).toBe(false)
    }
    for (const accept of ['application/vnd.ipld.raw', 'application/vnd.ipld.car; version=1', 'application/x-tar', 'application/json', 'application/cbor', 'application/vnd.ipfs.ipns-record']) {
      expect(isFileRequest('GET', path, '', accept), accept).toBe(false)
    }
  })

  it('keeps a full 200 whose Etag is a bare CID, immutable', () => {
    const file = new Headers({ etag: `"${CID_V1}"`, 'cache-control': 'public, max-age=29030400, immutable' })
    expect(isWholeFileResponse(200, file)).toBe(true)
    expect(isWholeFileResponse(206, file)).toBe(false)
    expect(isWholeFileResponse(304, file)).toBe(false)
    expect(isWholeFileResponse(200, new Headers({ etag: `"DirIndex-abc_CID-${CID_V1}"`, 'cache-control': 'public, max-age=604800' }))).toBe(false)
    expect(isWholeFileResponse(200, new Headers({ etag: `"${CID_V1}.raw"`, 'cache-control': 'public, max-age=29030400, immutable' }))).toBe(false)
    expect(isWholeFileResponse(200, new Headers({ etag: `"${CID_V1}"`, 'cache-control': 'public, max-age=60' }))).toBe(false)
    expect(isWholeFileResponse(200, new Headers({ etag: `"${CID_V1}"`, 'cache-control': 'immutable', 'content-range': 'bytes 0-1/2' }))).toBe(false)
  })
})

describe('one range of a kept file', () => {
  it('slices satisfiable single ranges', () => {
    expect(singleRange('bytes=0-3', 10)).toEqual({ start: 0, end: 3 })
    expect(singleRange('bytes=4-', 10)).toEqual({ start: 4, end: 9 })
    expect(singleRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 })
    expect(singleRange('bytes=-30', 10)).toEqual({ start: 0, end: 9 })
    expect(singleRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 })
    expect(singleRange(' bytes=9-9 ', 10)).toEqual({ start: 9, end: 9 })
  })

  it('leaves everything else to the normal path', () => {
    for (const header of ['bytes=0-1,4-5', 'bytes=10-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1', 'bytes=a-b', '']) {
      expect(singleRange(header, 10), header).toBeNull()
    }
    expect(singleRange('bytes=0-', 0)).toBeNull()
  })
})

describe('kept files stay within their share of the budget', () => {
  const file = (path: string, bytes: number, usedAt: number): KeptFile => ({ path, bytes, blocks: 1, usedAt })

  it('is a quarter of the budget, no file above the size limit', () => {
    expect(verifiedFilesBudget(400 * MiB)).toBe(100 * MiB)
    expect(verifiedFilesBudget(0)).toBe(0)
    expect(maxVerifiedFileBytes(10 * MiB)).toBe(2.5 * MiB)
    expect(maxVerifiedFileBytes(64 * 1024 * MiB)).toBe(MAX_VERIFIED_FILE_BYTES)
  })

  it('drops the least recently used files first, until the rest and the incoming one fit', () => {
    const files = [file('/ipfs/a', 4, 30), file('/ipfs/b', 4, 10), file('/ipfs/c', 4, 20)]
    expect(filesToDrop(files, 12)).toEqual([])
    expect(filesToDrop(files, 11)).toEqual(['/ipfs/b'])
    expect(filesToDrop(files, 12, 5)).toEqual(['/ipfs/b', '/ipfs/c'])
    expect(filesToDrop(files, 0)).toEqual(['/ipfs/b', '/ipfs/c', '/ipfs/a'])
  })

  it('caps the number of files, however small', () => {
    const many = Array.from({ length: MAX_VERIFIED_FILES + 3 }, (_, i) => file(`/ipfs/f${i}`, 1, i))
    expect(filesToDrop(many, Number.MAX_SAFE_INTEGER)).toEqual(['/ipfs/f0', '/ipfs/f1', '/ipfs/f2'])
  })
})
