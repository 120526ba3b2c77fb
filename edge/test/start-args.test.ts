import { describe, expect, it } from 'vitest'
import { addressPermissions } from '../launcher/address-permissions.ts'
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

  it('takes --functions for the embedded edge, and refuses it with --edge or --no-edge', () => {
    expect(parseStartArgs([]).functions).toBe(false)
    expect(parseStartArgs(['--functions']).functions).toBe(true)
    expect(() => parseStartArgs(['--functions', '--edge', 'http://127.0.0.1:1'])).toThrow(UsageError)
    expect(() => parseStartArgs(['--functions', '--no-edge', '--router', 'http://127.0.0.1:2'])).toThrow(UsageError)
    expect(START_USAGE).toContain('--functions')
  })

  it('takes --router, repeatable, and refuses one that is not an http(s) URL', () => {
    expect(parseStartArgs([]).routers).toEqual([])
    expect(parseStartArgs(['--router', 'http://127.0.0.1:8080', '--router', 'https://router.example']).routers).toEqual(['http://127.0.0.1:8080', 'https://router.example'])
    expect(parseStartArgs(['--edge', 'http://127.0.0.1:1', '--router', 'http://127.0.0.1:2']).routers).toEqual(['http://127.0.0.1:2'])
    for (const bad of ['router.example', 'ftp://router.example', '']) {
      expect(() => parseStartArgs(['--router', bad]), bad).toThrow(UsageError)
    }
    expect(START_USAGE).toContain('--router <url>')
  })

  it('lets a loopback router allow loopback providers, and an http:// one plain HTTP, as a local edge does', () => {
    const publicEdge = { http: 'https://edge.example', multiaddrs: [] }
    expect(addressPermissions([publicEdge], [])).toEqual({ allowLocal: false, allowInsecure: false })
    expect(addressPermissions([publicEdge], ['https://router.example'])).toEqual({ allowLocal: false, allowInsecure: false })
    expect(addressPermissions([publicEdge], ['http://127.0.0.1:8080'])).toEqual({ allowLocal: true, allowInsecure: true })
    expect(addressPermissions([publicEdge], ['https://localhost:8443'])).toEqual({ allowLocal: true, allowInsecure: false })
    expect(addressPermissions([{ http: 'http://127.0.0.1:1', multiaddrs: [] }], [])).toEqual({ allowLocal: true, allowInsecure: true })
  })
})
