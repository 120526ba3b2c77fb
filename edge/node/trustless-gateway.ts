import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { identity } from 'multiformats/hashes/identity'
import { exportCar } from '../../src/lib/car-export/car-export.ts'
import { attachment, requestedFilename } from './content-disposition.ts'
import { IMMUTABLE_CACHE_CONTROL } from './defaults.ts'
import { resolveFileRange } from '../../src/lib/car-export/entity-bytes.ts'
import { resolvePath } from '../../src/lib/car-export/resolve-path.ts'
import { NotFoundError, NotImplementedError } from './errors.ts'
import { CAR_CONTENT_TYPE, RAW_CONTENT_TYPE, parseGatewayRequest } from './parse-gateway-request.ts'
import type { HttpRoute, RouteRequest } from './http-server.ts'
import type { GatewayRequest } from './parse-gateway-request.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

const CAR_RESPONSE_TYPE = `${CAR_CONTENT_TYPE}; version=1; order=dfs; dups=n`

export interface TrustlessGatewayComponents {
  /** The edge's own blocks: a miss must throw, never go to the network */
  blockstore: Blockstore
  getCodec: CodecLoader
  logger?: ComponentLogger
}

/**
 * `GET|HEAD /ipfs/<cid>[/<path>]` per the trustless gateway spec: single raw
 * blocks, and CARv1 streams (depth-first, no duplicates) of a DAG or part of
 * it, down to the blocks for a byte range of a file (`entity-bytes`). It
 * answers only from blocks the edge holds; a miss is a quick 404.
 */
export function trustlessGateway (components: TrustlessGatewayComponents): HttpRoute {
  return {
    id: 'trustless-gateway',
    canHandle: (url) => url.pathname.startsWith('/ipfs/'),
    handle: async (request) => {
      const gatewayRequest = parseGatewayRequest(request.url, request.req.headers)

      if (gatewayRequest.format === 'raw') {
        await sendBlock(components, gatewayRequest, request)
      } else {
        await sendCar(components, gatewayRequest, request)
      }
    }
  }
}

async function sendBlock ({ blockstore }: TrustlessGatewayComponents, { cid }: GatewayRequest, { res, head, signal, url }: RouteRequest): Promise<void> {
  const bytes = await readBlock(blockstore, cid, { signal })

  res.writeHead(200, {
    ...commonHeaders(cid, [cid]),
    'Content-Type': RAW_CONTENT_TYPE,
    'Content-Length': bytes.byteLength,
    Etag: `"${cid}.raw"`,
    'Content-Disposition': attachment(requestedFilename(url) ?? `${cid}.bin`)
  })
  res.end(head ? undefined : bytes)
}

async function sendCar (components: TrustlessGatewayComponents, { cid, path, dagScope, entityBytes }: GatewayRequest, { res, head, signal, url }: RouteRequest): Promise<void> {
  const { blockstore, getCodec } = components
  await assertHas(blockstore, cid, { signal })

  const resolved = await resolvePath(blockstore, cid, path, { signal })
  const pathCids = resolved.cids
  const target = pathCids[pathCids.length - 1] ?? cid

  if (dagScope !== 'block') {
    try {
      await getCodec(target.code)
    } catch {
      throw new NotImplementedError(`the edge cannot walk codec 0x${target.code.toString(16)}; ask for dag-scope=block or ?format=raw`)
    }
  }

  // resolved before the status line, so a range that selects no bytes is a clean 400;
  // none when the target is not a file, which makes entity-bytes moot
  const fileRange = entityBytes == null
    ? undefined
    : await resolveFileRange(getCodec, target, await readBlock(blockstore, target, { signal }), entityBytes)
  const rangeTag = fileRange == null ? '' : `.bytes-${fileRange.start}-${fileRange.end}`

  res.writeHead(200, {
    ...commonHeaders(cid, pathCids, path),
    'Content-Type': CAR_RESPONSE_TYPE,
    Etag: `"${cid}.car.${dagScope}${rangeTag}${path === '' ? '' : `.${shortHash(path)}`}"`,
    'Content-Disposition': attachment(requestedFilename(url) ?? `${cid}.car`)
  })

  if (head) {
    res.end()
    return
  }

  const car = exportCar(components, cid, { path: resolved, dagScope, fileRange, signal })

  // a block missing mid-DAG rejects here, after the headers: http-server cuts the socket
  await pipeline(Readable.from(car), res, { signal })
}

export async function readBlock (blockstore: Blockstore, cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) {
    return cid.multihash.digest
  }

  await assertHas(blockstore, cid, options)

  const chunks: Uint8Array[] = []
  for await (const chunk of blockstore.get(cid, options)) {
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

async function assertHas (blockstore: Blockstore, cid: CID, options: AbortOptions): Promise<void> {
  if (cid.multihash.code !== identity.code && !(await blockstore.has(cid, options))) {
    throw new NotFoundError(`this edge does not hold ${cid}`)
  }
}

function commonHeaders (root: CID, pathCids: CID[], path: string = ''): Record<string, string> {
  return {
    'Cache-Control': IMMUTABLE_CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
    'X-Ipfs-Path': `/ipfs/${root}${path.split('/').map(encodeURIComponent).join('/')}`,
    'X-Ipfs-Roots': pathCids.map(String).join(','),
    Vary: 'Accept',
    'Accept-Ranges': 'none'
  }
}

function shortHash (text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
