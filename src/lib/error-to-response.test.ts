import { describe, expect, it } from 'vitest'
import { errorToResponse } from './error-to-response.ts'
import { InvalidRequestError, NotInDagError, SourceTimeoutError, VerificationError } from './errors.ts'

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
})
