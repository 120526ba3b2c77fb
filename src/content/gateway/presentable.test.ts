import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { checkPresentable } from './presentable.ts'

const digest = await sha256.digest(new TextEncoder().encode('x'))

describe('checkPresentable', () => {
  it('lets the codecs the gateway decodes through', () => {
    for (const code of [0x55, 0x70, 0x71, 0x0129, 0x0200, 0x51]) {
      expect(() => { checkPresentable(CID.createV1(code, digest), null) }).not.toThrow()
    }
  })

  it('answers other codecs with InvalidRequestError (400), unless the block itself is asked for', () => {
    const git = CID.createV1(0x78, digest)
    expect(() => { checkPresentable(git, null) }).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
    expect(() => { checkPresentable(git, 'text/html,*/*;q=0.8') }).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    expect(() => { checkPresentable(git, 'application/vnd.ipld.raw') }).not.toThrow()
    expect(() => { checkPresentable(git, 'application/vnd.ipld.car; version=1') }).not.toThrow()
  })
})
