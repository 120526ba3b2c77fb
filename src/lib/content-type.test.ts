import { describe, expect, it } from 'vitest'
import { OCTET_STREAM, contentTypeOf } from './content-type.ts'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)

describe('contentTypeOf', () => {
  it('names a file by its extension first, whatever its bytes', () => {
    expect(contentTypeOf('index.html', text('hello'))).toBe('text/html; charset=utf-8')
    expect(contentTypeOf('app.JS', text('{}'))).toBe('text/javascript')
    expect(contentTypeOf('style.css', new Uint8Array(0))).toBe('text/css')
    expect(contentTypeOf('logo.svg', text('<svg/>'))).toBe('image/svg+xml')
    expect(contentTypeOf('module.wasm', new Uint8Array([0, 0x61, 0x73, 0x6d]))).toBe('application/wasm')
  })

  it('tells the binary formats pages show by their first bytes', () => {
    expect(contentTypeOf('', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe('image/png')
    expect(contentTypeOf('photo', new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(contentTypeOf('', text('RIFF\x00\x00\x00\x00WEBPVP8 '))).toBe('image/webp')
    expect(contentTypeOf('data.unknown-ext', new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe('image/png')
  })

  it('looks at the text of a name without an extension, and leaves other bytes unnamed', () => {
    expect(contentTypeOf('', text('{"a": 1}'))).toBe('application/json')
    expect(contentTypeOf('', text('<!doctype html><p>x'))).toBe('text/html; charset=utf-8')
    expect(contentTypeOf('', text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('image/svg+xml')
    expect(contentTypeOf('README', text('plain words'))).toBe('text/plain; charset=utf-8')
    expect(contentTypeOf('', new Uint8Array([0xc3, 0x28, 0x01]))).toBe(OCTET_STREAM)
    expect(contentTypeOf('data.bin', text('plain words'))).toBe(OCTET_STREAM)
  })
})
