import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/lib/config.ts'
import { EDGE_USAGE, parseEdgeArgs } from '../bin/parse-edge-args.ts'
import { edgeLines } from '../launcher/edge-lines.ts'
import { spawnEdgeProcess } from '../launcher/edge-process.ts'
import { START_USAGE, UsageError, parseStartArgs } from '../launcher/parse-start-args.ts'
import { startEdges } from '../launcher/start-edges.ts'
import { UsageError as EdgeUsageError } from '../node/errors.ts'
import { startEdge } from '../node/start-edge.ts'
import { createSiteFixture } from './fixtures.ts'
import type { LauncherEdges } from '../launcher/start-edges.ts'
import type { Edge } from '../node/types.ts'
import type { SiteFixture } from './fixtures.ts'

const CID = 'bafybeihchr7vmgjaasntayyatmp5sv6xza57iy2h4xj7g46bpjij6yhrmy'

/** Whether process `pid` is running (a child this process has reaped is gone) */
function running (pid: number | undefined): boolean {
  try {
    process.kill(pid ?? 0, 0)
    return pid != null
  } catch {
    return false
  }
}

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

  it('takes --no-edge only with --router and without edge options, and then starts no edge', async () => {
    expect(parseStartArgs(['--router', 'http://127.0.0.1:1']).noEdge).toBe(false)
    const args = parseStartArgs(['--no-edge', '--router', 'http://127.0.0.1:1'])
    expect(args).toMatchObject({ noEdge: true, edges: [], serve: [], routers: ['http://127.0.0.1:1'] })
    expect(await startEdges(args, { demoDir: '/nonexistent' })).toMatchObject({ edges: [], roots: {}, ipns: {} })
    for (const argv of [['--no-edge'], ['--no-edge', '--router', 'http://127.0.0.1:1', '--edge', 'http://127.0.0.1:2'], ['--no-edge', '--router', 'http://127.0.0.1:1', '--serve', 'site']]) {
      expect(errorOf(() => parseStartArgs(argv)), argv.join(' ')).toBeInstanceOf(UsageError)
    }
    expect(START_USAGE).toContain('--no-edge')
  })

  it('leaves the edge\'s --exit-with-stdin off unless given, and documents it', () => {
    expect(parseEdgeArgs([]).exitWithStdin).toBe(false)
    expect(EDGE_USAGE).toContain('--exit-with-stdin')
  })

  it('documents --dnslink in both usage texts', () => {
    expect(START_USAGE).toContain('--dnslink <domain>=<value>')
    expect(EDGE_USAGE).toContain('--dnslink <domain>=<value>')
  })

  it('prints one line per edge with its HTTP URL and multiaddrs', () => {
    const ws = '/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWExample'
    expect(edgeLines([
      { http: 'http://127.0.0.1:4001', multiaddrs: [ws], peerId: '12D3KooWExample' },
      { http: 'https://edge.example', multiaddrs: [] },
      { multiaddrs: [ws] }
    ])).toEqual([
      `  edge: http://127.0.0.1:4001  ${ws}`,
      '  edge: https://edge.example',
      `  edge: ${ws}`
    ])
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
  }, 30_000)

  afterAll(async () => {
    await embedded?.stop()
    await external?.stop()
    await fixture?.cleanup()
  })

  it('runs the embedded edge in a process of its own, which stop() ends', async () => {
    expect(embedded.pid).toBeTypeOf('number')
    expect(embedded.pid).not.toBe(process.pid)
    expect(running(embedded.pid)).toBe(true)

    const other = await startEdges({ serve: [fixture.site], edges: [], dnslink: {} }, { demoDir: fixture.dir })
    expect(await (await fetch(`${other.edges[0].http}/info`)).json()).toMatchObject(other.edges[0])
    await other.stop()
    expect(running(other.pid)).toBe(false)
    await expect(fetch(`${other.edges[0].http}/info`)).rejects.toThrow()
  }, 30_000)

  it('says so when the edge process ends without being stopped', async () => {
    const warnings: string[] = []
    const crashing = await startEdges({ serve: [fixture.site], edges: [], dnslink: {} }, { demoDir: fixture.dir, warn: line => { warnings.push(line) } })
    process.kill(crashing.pid ?? 0, 'SIGKILL')
    await expect.poll(() => warnings, { timeout: 5_000 }).toEqual(['edgeway: the embedded edge exited (SIGKILL); the gateway keeps running without it'])
    await crashing.stop()
  }, 30_000)

  it('rejects with EdgeProcessError when the edge process ends before it is ready', async () => {
    const err = await spawnEdgeProcess([`--serve=${fixture.dir}/no-such-dir`]).catch((err: unknown) => err)
    expect(err).toHaveProperty('name', 'EdgeProcessError')
  }, 30_000)

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
