import packaged from 'regexp.escape'
import { describe, expect, it } from 'vitest'
import escape from './regexp-escape.ts'

describe('the SW\'s RegExp.escape', () => {
  it('escapes every BMP code point, alone and after a letter, as the regexp.escape package does', () => {
    for (let point = 0; point <= 0xFFFF; point++) {
      const c = String.fromCharCode(point)
      expect(escape(c)).toBe(packaged(c))
      expect(escape(`a${c}`)).toBe(packaged(`a${c}`))
    }
  })

  it('escapes astral code points, lone surrogates and a leading digit as the package does', () => {
    for (const text of ['😀', 'a😀b', '\uD800', 'x\uDC00y', '1abc', 'zz9', '_foo', '/:splat/*.html', '']) {
      expect(escape(text)).toBe(packaged(text))
    }
  })

  it('refuses what is not a string', () => {
    expect(() => escape(1 as unknown as string)).toThrow(TypeError)
  })
})
