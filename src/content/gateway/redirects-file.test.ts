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

describe('_redirects never sends a browser to another origin', () => {
  /** The answer an attacker wants: a Location a browser resolves to another origin */
  const leaves = (rules: string, path: string): unknown => {
    try {
      return applyRedirects(parseRedirects(rules), path, '')
    } catch (err) {
      return err
    }
  }

  it('refuses a rule whose target is another origin, as a 500 naming the rule', () => {
    for (const target of ['//evil.example/x', '/\\evil.example/x', '\\\\evil.example/x', 'https://evil.example/x', 'http://evil.example/', 'javascript:alert(1)', 'data:text/html,hi', 'HTTPS://evil.example']) {
      const rule = `/go ${target} 302`
      expect(leaves(rule, '/go'), target).toMatchObject({ name: 'UnsafeRedirectError', status: 500, message: expect.stringContaining('line 1') })
    }
  })

  it('checks the Location after the placeholders are filled (finding 7: /go//127.0.0.1:47001/x)', () => {
    for (const path of ['/go//127.0.0.1:47001/x', '/go//\\127.0.0.1/x']) {
      expect(leaves('/go/* /:splat 302', path), path).toMatchObject({ name: 'UnsafeRedirectError', status: 500 })
    }
    // a `\` from the path is percent-encoded: a browser reads it as a character of a path on this site
    const page = 'http://bafy.ipfs.localhost:8080/go/x'
    for (const path of ['/go/\\127.0.0.1:47001/x', '/go/\\\\127.0.0.1/x', '/go/%5C%5C127.0.0.1/x']) {
      const outcome = leaves('/go/* /:splat 302', path) as { location: string }
      expect(new URL(outcome.location, page).origin, path).toBe('http://bafy.ipfs.localhost:8080')
    }
    expect(leaves('/u/:who /:who/home 301', '/u/\\evil.example')).toEqual({ kind: 'redirect', status: 301, location: '/%5Cevil.example/home' })
    // the same rule with an ordinary path stays on the site
    expect(leaves('/go/* /:splat 302', '/go/docs/x')).toEqual({ kind: 'redirect', status: 302, location: '/docs/x' })
  })

  it('gives a Location a browser reads as the path it names, whatever bytes the path held', () => {
    const outcome = applyRedirects(parseRedirects('/go/* /to/:splat 302'), '/go/a b\r\nSet-Cookie: x=1', '')
    expect(outcome).toMatchObject({ kind: 'redirect' })
    const location = (outcome as { location: string }).location
    expect(location).toBe('/to/a%20b%0D%0ASet-Cookie%3A%20x%3D1')
    expect(() => new Headers({ Location: location })).not.toThrow()
  })

  it('keeps rewrites on the site too', () => {
    expect(leaves('/app/* //evil.example/index.html 200', '/app/x')).toMatchObject({ name: 'UnsafeRedirectError', status: 500 })
  })
})
