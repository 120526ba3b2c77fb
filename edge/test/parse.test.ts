import { describe, expect, it } from 'vitest'
import { parseEdgeArgs } from '../bin/parse-edge-args.ts'
import { resolveEntityBytes } from '../../src/lib/car-export/entity-bytes.ts'
import { negotiateFormat, parseEntityBytes, parseGatewayRequest } from '../node/parse-gateway-request.ts'

const CID_V1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_V0 = 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB'

function thrown (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err: any) {
    return err.name
  }
  return undefined
}

describe('negotiateFormat', () => {
  it('prefers ?format= over Accept', () => {
    expect(negotiateFormat('car', 'application/vnd.ipld.raw')).toBe('car')
  })

  it('picks the best acceptable media type', () => {
    expect(negotiateFormat(null, 'application/vnd.ipld.raw')).toBe('raw')
    expect(negotiateFormat(null, 'text/html, application/vnd.ipld.car;version=1;order=dfs')).toBe('car')
    expect(negotiateFormat(null, 'application/vnd.ipld.raw;q=0.5, application/vnd.ipld.car')).toBe('car')
  })

  it('refuses what it cannot produce', () => {
    expect(thrown(() => negotiateFormat(null, 'text/html'))).toBe('NotAcceptableError')
    expect(thrown(() => negotiateFormat(null, undefined))).toBe('NotAcceptableError')
    expect(thrown(() => negotiateFormat(null, 'application/vnd.ipld.car; version=2'))).toBe('NotAcceptableError')
    expect(thrown(() => negotiateFormat('tar', undefined))).toBe('NotAcceptableError')
    expect(thrown(() => negotiateFormat(null, 'application/vnd.ipld.car; order=foo'))).toBe('NotAcceptableError')
  })

  it('accepts any CAR order and dups it can answer with dfs and no duplicates', () => {
    expect(negotiateFormat(null, 'application/vnd.ipld.car; version=1; order=dfs; dups=y')).toBe('car')
    expect(negotiateFormat(null, 'application/vnd.ipld.car; order=unk; dups=n')).toBe('car')
    expect(negotiateFormat(null, 'application/vnd.ipld.car; order=foo, application/vnd.ipld.raw; q=0.5')).toBe('raw')
  })
})

describe('parseGatewayRequest', () => {
  it('reads CID, path and dag-scope', () => {
    const request = parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V0}/a%20b/c.txt?format=car&dag-scope=entity`), {})
    expect(request.cid.toString()).toBe(CID_V0)
    expect(request.path).toBe('/a b/c.txt')
    expect(request.format).toBe('car')
    expect(request.dagScope).toBe('entity')
  })

  it('rejects bad input with BadRequestError', () => {
    expect(thrown(() => parseGatewayRequest(new URL('http://edge/ipfs/xyz?format=raw'), {}))).toBe('BadRequestError')
    expect(thrown(() => parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}/a?format=raw`), {}))).toBe('BadRequestError')
    expect(thrown(() => parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&dag-scope=x`), {}))).toBe('BadRequestError')
  })

  it('takes entity-bytes as implying dag-scope=entity, and ignores it with block or all', () => {
    const implied = parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&entity-bytes=-1024:*`), {})
    expect(implied.dagScope).toBe('entity')
    expect(implied.entityBytes).toEqual({ from: -1024, to: '*' })

    const all = parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&dag-scope=all&entity-bytes=0:9`), {})
    expect(all.dagScope).toBe('all')
    expect(all.entityBytes).toBeUndefined()
  })

  it('accepts car-version=1, car-order=dfs|unk and car-dups=n|y, and refuses other values', () => {
    const ok = `http://edge/ipfs/${CID_V1}?format=car&car-version=1&car-order=dfs&car-dups=y`
    expect(parseGatewayRequest(new URL(ok), {}).format).toBe('car')
    expect(thrown(() => parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&car-order=bfs`), {}))).toBe('BadRequestError')
    expect(thrown(() => parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&car-dups=maybe`), {}))).toBe('BadRequestError')
    expect(thrown(() => parseGatewayRequest(new URL(`http://edge/ipfs/${CID_V1}?format=car&car-version=2`), {}))).toBe('BadRequestError')
  })
})

describe('parseEntityBytes', () => {
  it('reads offsets, negative offsets and *', () => {
    expect(parseEntityBytes('0:*')).toEqual({ from: 0, to: '*' })
    expect(parseEntityBytes('499:-1000')).toEqual({ from: 499, to: -1000 })
    expect(parseEntityBytes('-10:-1')).toEqual({ from: -10, to: -1 })
    expect(parseEntityBytes('-0:7')).toEqual({ from: 0, to: 7 })
  })

  it('refuses what is not a range, or empty whatever the file', () => {
    for (const text of ['', '5', '1:2:3', '*:5', 'a:b', '1.5:3', '0x10:*', ' 1:2', '1:', ':5', '+1:2', '99999999999999999999:*', '10:5', '-1:-10']) {
      expect(thrown(() => parseEntityBytes(text)), text).toBe('BadRequestError')
    }
  })
})

describe('resolveEntityBytes', () => {
  it('resolves inclusive offsets to a half-open range, clamped to the file', () => {
    expect(resolveEntityBytes({ from: 0, to: '*' }, 100)).toEqual({ start: 0, end: 100 })
    expect(resolveEntityBytes({ from: 10, to: 19 }, 100)).toEqual({ start: 10, end: 20 })
    expect(resolveEntityBytes({ from: -10, to: '*' }, 100)).toEqual({ start: 90, end: 100 })
    expect(resolveEntityBytes({ from: 5, to: -6 }, 100)).toEqual({ start: 5, end: 95 })
    expect(resolveEntityBytes({ from: 90, to: 1000 }, 100)).toEqual({ start: 90, end: 100 })
    expect(resolveEntityBytes({ from: -1000, to: 9 }, 100)).toEqual({ start: 0, end: 10 })
    expect(resolveEntityBytes({ from: 0, to: '*' }, 0)).toEqual({ start: 0, end: 0 })
  })

  it('refuses a range that selects no byte of the file', () => {
    expect(thrown(() => resolveEntityBytes({ from: 100, to: '*' }, 100))).toBe('BadRequestError')
    expect(thrown(() => resolveEntityBytes({ from: -10, to: 50 }, 100))).toBe('BadRequestError')
    expect(thrown(() => resolveEntityBytes({ from: 0, to: -101 }, 100))).toBe('BadRequestError')
    expect(thrown(() => resolveEntityBytes({ from: 0, to: 10 }, 0))).toBe('BadRequestError')
  })
})

describe('parseEdgeArgs', () => {
  it('reads every flag', () => {
    expect(parseEdgeArgs(['--serve', 'a', '--serve', 'b.car', '--dnslink', `example.org=${CID_V1}`, '--host', '0.0.0.0', '--ws-port', '4001', '--http-port', '0', '--repo', 'r', '--json', '--exit-with-stdin', '--functions'])).toEqual({
      serve: ['a', 'b.car'],
      functions: true,
      dnslink: { 'example.org': `/ipfs/${CID_V1}` },
      host: '0.0.0.0',
      wsPort: 4001,
      httpPort: 0,
      repo: 'r',
      json: true,
      exitWithStdin: true,
      help: false
    })
  })

  it('throws UsageError for unknown flags, missing values and bad ports', () => {
    expect(thrown(() => parseEdgeArgs(['--nope']))).toBe('UsageError')
    expect(thrown(() => parseEdgeArgs(['--serve']))).toBe('UsageError')
    expect(thrown(() => parseEdgeArgs(['--http-port', '70000']))).toBe('UsageError')
    expect(thrown(() => parseEdgeArgs(['--ws-port', '-1']))).toBe('UsageError')
    expect(thrown(() => parseEdgeArgs(['stray']))).toBe('UsageError')
    expect(thrown(() => parseEdgeArgs(['--host', 'example.com']))).toBe('UsageError')
    expect(parseEdgeArgs(['--host', '::1']).host).toBe('::1')
  })

  it('reads --dnslink entries, normalising domains and bare CIDs', () => {
    const ipnsName = 'k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'
    expect(parseEdgeArgs([
      '--dnslink', `Example.ORG.=/ipfs/${CID_V1}/docs/`,
      '--dnslink', `_dnslink.v0.example=${CID_V0}`,
      '--dnslink', `name.example=/ipns/${ipnsName}`,
      '--dnslink', 'alias.example=/ipns/example.org/a',
      '--dnslink', `bücher.example=/ipfs/${CID_V1}`
    ]).dnslink).toEqual({
      'example.org': `/ipfs/${CID_V1}/docs/`,
      'v0.example': `/ipfs/${CID_V0}`,
      'name.example': `/ipns/${ipnsName}`,
      'alias.example': '/ipns/example.org/a',
      'xn--bcher-kva.example': `/ipfs/${CID_V1}`
    })
  })

  it('throws UsageError for a bad --dnslink entry', () => {
    for (const entry of [
      'example.org',
      `=${CID_V1}`,
      `exa mple.org=${CID_V1}`,
      `-bad.example=${CID_V1}`,
      'example.org=',
      'example.org=/ipfs/not-a-cid',
      `example.org=/ipns/${CID_V1}`,
      `example.org=/ipfs/${CID_V1}/a b`,
      `example.org=/ipfs/${CID_V1}/"quoted"`,
      `example.org=/dnslink/${CID_V1}`
    ]) {
      expect(thrown(() => parseEdgeArgs(['--dnslink', entry])), entry).toBe('UsageError')
    }
    expect(thrown(() => parseEdgeArgs(['--dnslink', `example.org=${CID_V1}`, '--dnslink', `EXAMPLE.org.=${CID_V0}`]))).toBe('UsageError')
  })
})
