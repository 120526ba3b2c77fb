import { describe, expect, it } from 'vitest'
import { errorToResponse } from './error-to-response.ts'
import { InvalidRequestError, NameNotFoundError, NameResolutionError, NotInDagError, SourceTimeoutError, UnknownPathError, VerificationError } from './errors.ts'

describe('errorToResponse', () => {
  it('maps each error to its status with a readable page', async () => {
    const cases = [
      [new InvalidRequestError('Invalid CID: x'), 400],
      [new NotInDagError('no such path'), 404],
      [new VerificationError('hash mismatch'), 502],
      [new SourceTimeoutError('nobody answered'), 504],
      [new Error('boom'), 500]
    ] as const
    for (const [err, status] of cases) {
      const response = errorToResponse(err)
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toContain('text/html')
      expect(response.headers.get('cache-control')).toBe('no-store')
      const html = await response.text()
      expect(html).toContain('data-testid="error"')
      expect(html).toContain(`data-status="${status}"`)
    }
  })

  it('escapes what the request put in the message', async () => {
    const html = await errorToResponse(new InvalidRequestError('Invalid CID: <script>alert(1)</script>')).text()
    expect(html).not.toContain('<script>alert')
    expect(html).toContain('&#60;script&#62;')
  })

  it('answers JSON when the client asks for it, keeping extra headers', async () => {
    const response = errorToResponse(new SourceTimeoutError('nobody answered'), {
      accept: 'application/json',
      headers: { 'X-Edgeway-Source': 'cache=0, edge=0, peer=0' }
    })
    expect(response.status).toBe(504)
    expect(response.headers.get('x-edgeway-source')).toBe('cache=0, edge=0, peer=0')
    expect(await response.json()).toEqual({ status: 504, error: 'SourceTimeoutError', message: 'nobody answered' })
  })

  it('prefers HTML for browsers that accept both', () => {
    const response = errorToResponse(new NotInDagError('x'), { accept: 'text/html,application/json;q=0.9' })
    expect(response.headers.get('content-type')).toContain('text/html')
  })

  it('explains an error by what happened, not by its status: a name that did not resolve is no verification failure', async () => {
    const lie = await errorToResponse(new VerificationError('hash mismatch')).text()
    expect(lie).toContain('did not match their hash')
    for (const err of [new NameResolutionError('The DNSLink name a.example could not be looked up'), new NameNotFoundError('The IPNS name k51… did not resolve')]) {
      const page = await errorToResponse(err).text()
      expect(page).toContain('The name did not resolve')
      expect(page).not.toContain('did not match their hash')
    }
    expect(errorToResponse(new NameNotFoundError('x')).status).toBe(404)
    expect(errorToResponse(new NameResolutionError('x')).status).toBe(502)
  })

  it('links back to the gateway page, on a content origin too', async () => {
    expect(await errorToResponse(new UnknownPathError('x')).text()).toContain('<a href="/">Edgeway gateway</a>')
    const page = await errorToResponse(new UnknownPathError('x'), { gatewayUrl: 'http://localhost:8080/' }).text()
    expect(page).toContain('<a href="http://localhost:8080/">Edgeway gateway</a>')
    expect(page).toContain('The gateway has no page at this address')
  })
})
