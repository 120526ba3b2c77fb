import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway } from '../../edge/gateway/start-gateway.ts'
import { launchBrowser } from '../support/browser.ts'
import { fetchInPage, openThroughServiceWorker } from '../support/page-helpers.ts'
import type { EdgewayConfig } from '../../src/lib/config.ts'
import type { Gateway } from '../../edge/gateway/start-gateway.ts'
import type { Browser, Page } from 'playwright-core'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Finding 10b of issue 12: an `http://` DNS-over-HTTPS resolver was taken
 * even where insecure endpoints are not allowed, so whoever is on its path
 * (a café's network) picks the site every DNSLink name opens. A gateway whose
 * `/edgeway.json` names such a resolver without `allowInsecure` (the server
 * passes its config through as it is): the SW must refuse the configuration,
 * never ask the resolver, and say why.
 */
describe('attack: a plain-http DNSLink resolver', () => {
  let resolver: Server
  let asked: string[]
  let gateway: Gateway
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    asked = []
    resolver = createServer((req, res) => {
      asked.push(req.url ?? '')
      // what a resolver on the path would answer: the attacker's site for any name
      res.writeHead(200, { 'Content-Type': 'application/dns-json', 'Access-Control-Allow-Origin': '*' })
      res.end(JSON.stringify({ Status: 0, Answer: [{ name: '_dnslink.example.test', type: 16, TTL: 60, data: '"dnslink=/ipfs/bafkqaaa"' }] }))
    })
    await new Promise<void>(resolve => { resolver.listen(0, '127.0.0.1', resolve) })
    const { port } = resolver.address() as AddressInfo
    const config = {
      edges: [],
      timeoutMs: 5_000,
      readAheadBytes: 4 * 1024 * 1024,
      smallSiteBytes: 4 * 1024 * 1024,
      allowLocal: true,
      allowInsecure: false,
      subdomains: false,
      iceServers: [],
      routers: [],
      dohResolver: `http://127.0.0.1:${port}/dns-query`
    } satisfies EdgewayConfig
    gateway = await startGateway({ config })
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await openThroughServiceWorker(page, `${gateway.url}/`)
  })

  afterAll(async () => {
    await browser?.close()
    await gateway?.stop()
    await new Promise(resolve => resolver?.close(resolve))
  })

  it('refuses the configuration with a readable error, and never asks the resolver', async () => {
    const result = await fetchInPage(page, '/ipns/example.test/', { headers: { Accept: 'application/json' } })
    expect(result.status).toBe(500)
    expect(result.text).toContain('ConfigError')
    expect(result.text).toContain('https://')
    expect(asked).toEqual([])
  })
})
