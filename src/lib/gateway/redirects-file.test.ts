import { describe, expect, it } from 'vitest'
import { applyRedirects, parseRedirects } from './redirects-file.ts'

const RULES = parseRedirects([
  '# comment',
  '/redirect-one /one.html',
  '/302 /two.html 302\r',
  '/posts/:year/:month/:title /articles/:year/:month/:title 301',
  '/splat/* /redirected-splat/:splat 301',
  '/not-found/* /404.html 404',
  '/* /index.html 200'
].join('\n'))

describe('_redirects', () => {
  it('redirects with 301 by default, and with the status given', () => {
    expect(applyRedirects(RULES, '/redirect-one', '')).toEqual({ kind: 'redirect', status: 301, location: '/one.html' })
    expect(applyRedirects(RULES, '/302', '?a=1')).toEqual({ kind: 'redirect', status: 302, location: '/two.html?a=1' })
  })

  it('fills placeholders and splats', () => {
    expect(applyRedirects(RULES, '/posts/2022/01/hello', '')).toMatchObject({ location: '/articles/2022/01/hello' })
    expect(applyRedirects(RULES, '/splat/a/b.html', '')).toMatchObject({ location: '/redirected-splat/a/b.html' })
  })

  it('rewrites to content for 200 and custom error pages, first match wins', () => {
    expect(applyRedirects(RULES, '/not-found/x', '')).toEqual({ kind: 'rewrite', status: 404, path: '/404.html' })
    expect(applyRedirects(RULES, '/anything/else', '')).toEqual({ kind: 'rewrite', status: 200, path: '/index.html' })
  })

  it('refuses files it cannot use, as a 500 for the site owner', () => {
    for (const bad of ['hello', '/a /b 999', '/a /b 301!', '/a/:x/:x /b', `${'/from /to 301\n'.repeat(5000)}`]) {
      expect(() => parseRedirects(bad), bad.slice(0, 20)).toThrow(expect.objectContaining({ name: 'RedirectsFileError', status: 500 }))
    }
  })
})
