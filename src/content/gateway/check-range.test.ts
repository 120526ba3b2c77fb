import { describe, expect, it } from 'vitest'
import { checkRange } from './check-range.ts'

describe('checkRange', () => {
  it('lets well-formed byte ranges through, satisfiable or not', () => {
    for (const range of [null, 'bytes=0-', 'bytes=6-16', 'bytes=-3', 'bytes=6-16,0-4', 'bytes=7-9, 1-3', 'bytes=-0', 'bytes=999999999-', 'bytes=0-1,,']) {
      expect(() => { checkRange(range) }, String(range)).not.toThrow()
    }
  })

  it('answers malformed ones with 416 before anything is fetched', () => {
    for (const range of ['bytes=abc', 'bytes=', 'bytes=9-3', 'lines=0-10', 'bytes=,', 'bytes=-5-9', '0-10', 'bytes=1.5-2']) {
      expect(() => { checkRange(range) }, range).toThrow(expect.objectContaining({ name: 'ContentError', status: 416 }))
    }
  })
})
