import { describe, expect, it } from 'vitest'
import { withHeader } from './response-headers.ts'

describe('withHeader', () => {
  it('sets the header on the response itself where its headers may change', () => {
    const response = new Response('body', { status: 201 })
    expect(withHeader(response, 'X-A', '1')).toBe(response)
    expect(response.headers.get('x-a')).toBe('1')
  })

  it('copies a response whose headers are immutable, with its status and headers', () => {
    const redirect = Response.redirect('http://localhost/next', 301)
    const copy = withHeader(redirect, 'X-A', '1')
    expect(copy).not.toBe(redirect)
    expect(copy.status).toBe(301)
    expect(copy.headers.get('location')).toBe('http://localhost/next')
    expect(copy.headers.get('x-a')).toBe('1')
  })
})
