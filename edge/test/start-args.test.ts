import { describe, expect, it } from 'vitest'
import { START_USAGE, UsageError, parseStartArgs } from '../launcher/parse-start-args.ts'

describe('npm start flags', () => {
  it('runs the subdomain gateway by default; --path-gateway keeps content on the gateway origin', () => {
    expect(parseStartArgs([]).subdomains).toBe(true)
    expect(parseStartArgs(['--subdomains']).subdomains).toBe(true)
    expect(parseStartArgs(['--path-gateway']).subdomains).toBe(false)
    expect(() => parseStartArgs(['--subdomains=yes'])).toThrow(UsageError)
    expect(() => parseStartArgs(['--subdomains', '--path-gateway'])).toThrow(UsageError)
    expect(START_USAGE).toMatch(/--subdomains[^\n]*\n[^\n]*the default/)
    expect(START_USAGE).toContain('--path-gateway')
  })
})
