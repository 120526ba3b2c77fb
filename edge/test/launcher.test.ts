import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/lib/config.ts'
import { EDGE_USAGE } from '../bin/parse-edge-args.ts'
import { START_USAGE, UsageError, parseStartArgs } from '../launcher/parse-start-args.ts'
import { startEdges } from '../launcher/start-edges.ts'
import { UsageError as EdgeUsageError } from '../node/errors.ts'
import { startEdge } from '../node/start-edge.ts'
import { createSiteFixture } from './fixtures.ts'
import type { LauncherEdges } from '../launcher/start-edges.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

const CID = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'

function errorOf (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describe('launcher flags', () => {
  it('passes --dnslink entries through, checked and normalised', () => {
    const args = parseStartArgs(['--serve', 'site', '--dnslink', `Example.ORG=${CID}`, '--dnslink', `docs.example.org=/ipfs/${CID}/docs`])
    expect(args.dnslink).toEqual({ 'example.org': `/ipfs/${CID}`, 'docs.example.org': `/ipfs/${CID}/docs` })
    expect(parseStartArgs([]).dnslink).toEqual({})
  })

  it('refuses a bad --dnslink, or one with --edge, with the one UsageError', () => {
    for (const argv of [['--dnslink', 'example.org'], ['--dnslink', 'example.org=/ipfs/nope'], ['--edge', 'http://127.0.0.1:1', '--dnslink', `example.org=${CID}`]]) {
      const err = errorOf(() => parseStartArgs(argv))
      expect(err, argv.join(' ')).toBeInstanceOf(UsageError)
      expect(err).toBeInstanceOf(EdgeUsageError)
    }
  })

  it('documents --dnslink in both usage texts', () => {
    expect(START_USAGE).toContain('--dnslink <domain>=<value>')
    expect(EDGE_USAGE).toContain('--dnslink <domain>=<value>')
  })
})

describe('launcher edges and the DNSLink resolver', () => {
  let fixture: SiteFixture
  let embedded: LauncherEdges
  let external: Edge

  beforeAll(async () => {
    fixture = await createSiteFixture()
    embedded = await startEdges({ serve: [fixture.site], edges: [], dnslink: { 'example.org': `/ipfs/${CID}` } }, { demoDir: fixture.dir })
    external = await startEdge({ dnslink: { 'external.example': `/ipfs/${CID}` } })
  })

  afterAll(async () => {
    await embedded?.stop()
    await external?.stop()
    await fixture?.cleanup()
  })

  it('points the gateway at the embedded edge\'s /dns-query, which answers the --dnslink records', async () => {
    expect(embedded.dohResolver).toBe(`${embedded.edges[0].http}/dns-query`)
    // the launcher allows insecure endpoints for its local edges, and so their http:// resolver
    expect(parseConfig({ edges: embedded.edges, dohResolver: embedded.dohResolver, allowInsecure: true }).dohResolver).toBe(embedded.dohResolver)
    expect(Object.keys(embedded.roots)).toEqual([fixture.site])

    const body = await (await fetch(`${embedded.dohResolver}?name=_dnslink.example.org&type=TXT`)).json()
    expect(body.Answer[0].data).toBe(`"dnslink=/ipfs/${CID}"`)
  })

  it('takes the first external edge\'s /info dns', async () => {
    const edges = await startEdges({ serve: [], edges: [external.info.http, embedded.dohResolver?.replace('/dns-query', '') ?? ''], dnslink: {} }, { demoDir: fixture.dir })
    expect(edges.dohResolver).toBe(external.info.dns)
    expect(edges.edges[0]).toMatchObject({ http: external.info.http, peerId: external.info.peerId, multiaddrs: external.info.multiaddrs })
  })

  it('keeps the host the edge was given as', async () => {
    const given = external.info.http.replace('127.0.0.1', 'localhost')
    const edges = await startEdges({ serve: [], edges: [given], dnslink: {} }, { demoDir: fixture.dir })
    expect(edges.dohResolver).toBe(`${given}/dns-query`)
  })

  it('leaves DNSLink unresolved when the first edge has no /info to ask', async () => {
    const byMultiaddr = await startEdges({ serve: [], edges: [external.info.multiaddrs[0], external.info.http], dnslink: {} }, { demoDir: fixture.dir })
    expect(byMultiaddr.dohResolver).toBeUndefined()
    expect(parseConfig({ edges: byMultiaddr.edges, dohResolver: byMultiaddr.dohResolver })).not.toHaveProperty('dohResolver')
  })
})
