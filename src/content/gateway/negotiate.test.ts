import { describe, expect, it } from 'vitest'
import { acceptsExplicitly, effectiveAccept, mediaTypeOf } from './negotiate.ts'

const q = (search: string): URLSearchParams => new URLSearchParams(search)

describe('effectiveAccept', () => {
  it('lets ?format= beat the Accept header', () => {
    expect(effectiveAccept(q('format=raw'), 'application/vnd.ipld.car')).toBe('application/vnd.ipld.raw')
    expect(effectiveAccept(q('format=json'), 'application/vnd.ipld.raw')).toBe('application/json')
    expect(effectiveAccept(q('format=ipns-record'), null)).toBe('application/vnd.ipfs.ipns-record')
  })

  it('keeps the header when the URL says nothing', () => {
    expect(effectiveAccept(q(''), 'text/html, */*;q=0.8')).toBe('text/html, */*;q=0.8')
    expect(effectiveAccept(q(''), null)).toBeNull()
  })

  it('lets car-* parameters in the query beat those in Accept', () => {
    expect(effectiveAccept(q('format=car&car-order=dfs'), 'application/vnd.ipld.car; order=unk')).toBe('application/vnd.ipld.car; order=dfs')
    expect(effectiveAccept(q('format=car&car-dups=y'), 'application/vnd.ipld.car; dups=n')).toBe('application/vnd.ipld.car; dups=y')
    expect(effectiveAccept(q('car-version=1'), 'application/vnd.ipld.car; order=dfs')).toBe('application/vnd.ipld.car; order=dfs; version=1')
  })

  it('answers an unknown format with InvalidRequestError (400)', () => {
    expect(() => effectiveAccept(q('format=zip'), null)).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
  })

  it('takes media types that merely contain one it produces out of Accept: 406 when none is left', () => {
    expect(() => effectiveAccept(q(''), 'application/vnd.ipld.rawr')).toThrow(expect.objectContaining({ name: 'ContentError', status: 406 }))
    expect(() => effectiveAccept(q(''), 'application/vnd.ipld.cars; version=1')).toThrow(expect.objectContaining({ status: 406 }))
    expect(effectiveAccept(q(''), 'application/vnd.ipld.rawr, application/vnd.ipld.car')).toBe('application/vnd.ipld.car')
    expect(effectiveAccept(q('format=raw'), 'application/vnd.ipld.rawr')).toBe('application/vnd.ipld.raw')
  })

  it('answers CAR parameters with undefined values with InvalidRequestError (400), and ignores unknown parameters', () => {
    for (const search of ['format=car&dag-scope=bad', 'format=car&entity-bytes=x', 'format=car&entity-bytes=1:', 'format=car&car-version=9', 'format=car&car-order=random', 'format=car&car-dups=maybe']) {
      expect(() => effectiveAccept(q(search), null), search).toThrow(expect.objectContaining({ name: 'InvalidRequestError', status: 400 }))
    }
    expect(effectiveAccept(q('format=car&dag-scope=entity&entity-bytes=-5:*&car-dups=n'), null)).toBe('application/vnd.ipld.car; dups=n')
    expect(effectiveAccept(q('format=raw&dag-scope=nonsense&foo=bar'), null)).toBe('application/vnd.ipld.raw')
  })
})

describe('media type helpers', () => {
  it('reads the first media type without parameters', () => {
    expect(mediaTypeOf('Application/VND.ipld.car; version=1, */*')).toBe('application/vnd.ipld.car')
  })

  it('tells a named type from a wildcard', () => {
    expect(acceptsExplicitly('text/html,*/*;q=0.8', 'text/html')).toBe(true)
    expect(acceptsExplicitly('*/*', 'text/html')).toBe(false)
    expect(acceptsExplicitly(null, 'text/html')).toBe(false)
  })
})

describe('wantsWholeDag', () => {
  it('is true for TAR and for CARs of more than one block', async () => {
    const { wantsWholeDag } = await import('../steps/warm-dag.ts')
    expect(wantsWholeDag('application/x-tar', q(''))).toBe(true)
    expect(wantsWholeDag('application/vnd.ipld.car; order=dfs', q('dag-scope=entity'))).toBe(true)
    expect(wantsWholeDag('application/vnd.ipld.car', q('dag-scope=block'))).toBe(false)
    expect(wantsWholeDag('text/html', q(''))).toBe(false)
    expect(wantsWholeDag(null, q(''))).toBe(false)
  })
})
