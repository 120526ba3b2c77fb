import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { launcherArgs, locateCorpus } from './corpus.ts'
import { parseDnslinkYml } from './dnslink-yml.ts'
import type { LocatedCorpus } from './corpus.ts'

const YML = `# yaml-language-server: $schema=../fixture.schema.json
dnslinks:
  dnslink-with-subpath:
    domain: dnslink-subpath.example.org
    # ROOT1_CID with /root2 sub-path
    path: /ipfs/bafybeib3ffl2teiqdncv3mkz4r23b5ctrwkzrrhctdbne6iboayxuxk5ui/root2
  over-ipns:
    domain: "dnslink-over-ipns.example.org"
    path: /ipns/12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d # a comment
  by-subdomain:
    subdomain: some-sub
    path: /ipfs/bafkqaaa
`

describe('parseDnslinkYml', () => {
  it('reads the entries, with comments and quotes', () => {
    expect(parseDnslinkYml(YML)).toEqual([
      { key: 'dnslink-with-subpath', domain: 'dnslink-subpath.example.org', path: '/ipfs/bafybeib3ffl2teiqdncv3mkz4r23b5ctrwkzrrhctdbne6iboayxuxk5ui/root2' },
      { key: 'over-ipns', domain: 'dnslink-over-ipns.example.org', path: '/ipns/12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d' },
      { key: 'by-subdomain', subdomain: 'some-sub', path: '/ipfs/bafkqaaa' }
    ])
  })

  it('refuses what it does not understand', () => {
    expect(() => parseDnslinkYml('dnslinks:\n  a:\n    domain: x\n')).toThrow(/entry a needs a path/)
    expect(() => parseDnslinkYml('dnslinks:\n  a:\n    domain: x\n    path: /ipfs/y\n    ttl: 5\n')).toThrow(/line 5: not understood/)
    expect(() => parseDnslinkYml('dnslinks:\n  - a\n')).toThrow(/line 2: not understood/)
  })
})

describe('the corpus on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'edgeway-corpus-test-'))
  const dir = join(root, 'shared', 'conformance')
  mkdirSync(join(dir, 'fixtures', 'a'), { recursive: true })
  writeFileSync(join(dir, 'fixtures', 'a', 'dnslink.yml'), YML)
  const cases = [
    { id: 'one', fixtures: ['a/one.car', 'a/k51.ipns-record'] },
    { id: 'two', fixtures: ['a/one.car', 'root.car'] },
    { id: 'three', fixtures: [] }
  ]
  writeFileSync(join(dir, 'cases.json'), JSON.stringify({ format: 'gateway-conformance-cases/1', fixtures_root: 'fixtures/', cases }))
  const project = join(root, 'project')
  afterAll(() => { rmSync(root, { recursive: true, force: true }) })

  it('is found next to the project, or where EDGEWAY_CONFORMANCE_DIR says', () => {
    expect(locateCorpus(project, {})).toMatchObject({ dir, fixturesDir: join(dir, 'fixtures') })
    expect(locateCorpus('/nowhere', { EDGEWAY_CONFORMANCE_DIR: dir })).toMatchObject({ dir })
    expect(locateCorpus(project, { EDGEWAY_CONFORMANCE_DIR: join(root, 'missing') }))
      .toEqual({ missing: expect.stringContaining('EDGEWAY_CONFORMANCE_DIR=') })
    expect(locateCorpus('/nowhere/project', {})).toEqual({ missing: expect.stringContaining('/nowhere/shared/conformance has no cases.json') })
  })

  it('gives the launcher every fixture once, and the DNSLink names', () => {
    const located = locateCorpus(project, {}) as LocatedCorpus
    const fixtures = join(dir, 'fixtures')
    expect(launcherArgs(located)).toEqual([
      '--serve', join(fixtures, 'a/k51.ipns-record'), '--serve', join(fixtures, 'a/one.car'), '--serve', join(fixtures, 'root.car'),
      '--dnslink', 'dnslink-subpath.example.org=/ipfs/bafybeib3ffl2teiqdncv3mkz4r23b5ctrwkzrrhctdbne6iboayxuxk5ui/root2',
      '--dnslink', 'dnslink-over-ipns.example.org=/ipns/12D3KooWLQzUv2FHWGVPXTXSZpdHs7oHbXub2G5WC8Tx4NQhyd2d'
    ])
  })
})
