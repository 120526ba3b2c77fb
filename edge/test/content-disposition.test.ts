import { describe, expect, it } from 'vitest'
import { MAX_FILENAME_LENGTH, attachment } from '../node/content-disposition.ts'

describe('attachment()', () => {
  it('quotes a plain ASCII name as it is', () => {
    expect(attachment('foobar.bin')).toBe('attachment; filename="foobar.bin"')
  })

  it('adds filename* (RFC 8187) and an underscore per character for a non-ASCII name', () => {
    expect(attachment('testтест.ipns-record')).toBe('attachment; filename="test____.ipns-record"; filename*=UTF-8\'\'test%D1%82%D0%B5%D1%81%D1%82.ipns-record')
  })

  it('never lets a quote, backslash, CR or LF end the parameter or the header', () => {
    const value = attachment('a"b\\c\r\nSet-Cookie: x=1')
    expect(value).not.toMatch(/[\r\n]/)
    expect(value.match(/"/g)).toHaveLength(2)
    expect(value).toContain('filename="a_b_c__Set-Cookie: x=1"')
    expect(value).toContain("filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1")
  })

  it(`keeps at most ${MAX_FILENAME_LENGTH} characters`, () => {
    expect(attachment('x'.repeat(1000))).toBe(`attachment; filename="${'x'.repeat(MAX_FILENAME_LENGTH)}"`)
  })
})
