import { describe, expect, it } from 'vitest'
import { UsageError, parseStartArgs } from '../launcher/parse-start-args.ts'

describe('npm start flags', () => {
  it('turns subdomain mode on with --subdomains only', () => {
    expect(parseStartArgs([]).subdomains).toBe(false)
    expect(parseStartArgs(['--subdomains']).subdomains).toBe(true)
    expect(() => parseStartArgs(['--subdomains=yes'])).toThrow(UsageError)
  })
})
