import { describe, expect, it } from 'vitest'
import { parseEdgeArgs } from '../bin/parse-edge-args.ts'
import { negotiateFormat, parseGatewayRequest } from '../node/parse-gateway-request.ts'
import { readUnixfsHeader } from '../node/unixfs-header.ts'

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
})

describe('parseEdgeArgs', () => {
  it('reads every flag', () => {
    expect(parseEdgeArgs(['--serve', 'a', '--serve', 'b.car', '--host', '0.0.0.0', '--ws-port', '4001', '--http-port', '0', '--repo', 'r', '--json'])).toEqual({
      serve: ['a', 'b.car'],
      host: '0.0.0.0',
      wsPort: 4001,
      httpPort: 0,
      repo: 'r',
      json: true,
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
})

describe('readUnixfsHeader', () => {
  it('reads type and fanout of a HAMT shard, past its bitfield', () => {
    const data = Buffer.from('080512204000000006010100008000180028042000a200000000008440000001020000082822308002', 'hex')
    expect(readUnixfsHeader(data)).toEqual({ type: 'hamt-sharded-directory', fanout: 256 })
  })

  it('reads a file node with packed block sizes', () => {
    // Type=file, filesize=3145728, blocksizes=[1048576 x3] (packed)
    const data = Buffer.from('0802188080c0012209808040808040808040', 'hex')
    expect(readUnixfsHeader(data).type).toBe('file')
  })

  it('calls missing or damaged data unknown', () => {
    expect(readUnixfsHeader(undefined).type).toBe('unknown')
    expect(readUnixfsHeader(Buffer.from('ff', 'hex')).type).toBe('unknown')
  })
})
