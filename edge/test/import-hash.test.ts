import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { CarBlockIterator } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { sha512 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BLAKE3_CODE, BLOCK_HASHERS } from '../../src/lib/block-hashers.ts'
import { hashMatches } from '../../src/node/verified-blockstore.ts'
import { parseEdgeArgs } from '../bin/parse-edge-args.ts'
import { parseStartArgs } from '../launcher/parse-start-args.ts'
import { startEdge } from '../node/start-edge.ts'
import { catFile, fetchBytes } from './fixtures.ts'
import type { Edge } from '../node/types.ts'

/** A Kubo built for the e2e suite, if this machine has one: the reference our CIDs must equal */
const KUBO = join(homedir(), '.cache/edgeway/kubo-v0.43.1/ipfs')

describe('--hash', () => {
  it('is read by the edge and by the launcher, and refuses names it does not import with', () => {
    expect(parseEdgeArgs([]).hash).toBeUndefined()
    expect(parseEdgeArgs(['--hash', 'blake3']).hash).toBe('blake3')
    expect(parseEdgeArgs(['--hash=sha2-512']).hash).toBe('sha2-512')
    expect(parseEdgeArgs(['--hash', 'sha2-256']).hash).toBe('sha2-256')
    for (const bad of ['sha256', 'BLAKE3', 'identity', 'md5', '', 'constructor']) {
      expect(() => parseEdgeArgs(['--hash', bad]), bad).toThrow(expect.objectContaining({ name: 'UsageError' }))
    }
    expect(parseStartArgs(['--hash', 'blake3', '--serve', 'site']).hash).toBe('blake3')
    expect(parseStartArgs([]).hash).toBeUndefined()
    expect(() => parseStartArgs(['--hash', 'sha3-256'])).toThrow(expect.objectContaining({ name: 'UsageError' }))
    // an external edge imported its content already
    expect(() => parseStartArgs(['--hash', 'blake3', '--edge', 'http://127.0.0.1:1'])).toThrow(expect.objectContaining({ name: 'UsageError' }))
  })
})

describe.each([
  { hash: 'blake3' as const, code: BLAKE3_CODE, digestBytes: 32 },
  { hash: 'sha2-512' as const, code: sha512.code, digestBytes: 64 }
])('an edge importing with --hash $hash', ({ hash, code, digestBytes }) => {
  const FILE = randomBytes(700_000)
  let dir: string
  let edge: Edge
  let siteRoot: string
  let fileRoot: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeway-hash-'))
    await mkdir(join(dir, 'site/sub'), { recursive: true })
    await writeFile(join(dir, 'site/index.html'), 'hi\n')
    await writeFile(join(dir, 'site/sub/f.bin'), FILE)
    await writeFile(join(dir, 'f.bin'), FILE)
    edge = await startEdge({ serve: [join(dir, 'site'), join(dir, 'f.bin')], hash })
    siteRoot = edge.info.roots[join(dir, 'site')]
    fileRoot = edge.info.roots[join(dir, 'f.bin')]
  })

  afterAll(async () => {
    await edge?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('makes CIDv1 with that hash, raw leaves, every block matching its CID, served as CAR and raw', async () => {
    const { response, bytes } = await fetchBytes(`${edge.info.http}/ipfs/${siteRoot}?format=car`)
    expect(response.status).toBe(200)
    const blockstore = new MemoryBlockstore()
    const codecs = new Set<number>()
    for await (const block of await CarBlockIterator.fromBytes(bytes)) {
      expect(block.cid.version).toBe(1)
      expect(block.cid.multihash.code).toBe(code)
      expect(block.cid.multihash.size).toBe(digestBytes)
      expect(await hashMatches(block.cid, block.bytes), block.cid.toString()).toBe(true)
      codecs.add(block.cid.code)
      await blockstore.put(block.cid, block.bytes)
    }
    expect([...codecs].sort((a, b) => a - b)).toEqual([0x55, 0x70])
    expect(Buffer.from(await catFile(blockstore, CID.parse(siteRoot), 'sub/f.bin')).equals(FILE)).toBe(true)
    // the file alone has the CID it has inside the directory
    const linkOf = async (cid: CID, name: string): Promise<CID | undefined> => {
      const chunks: Uint8Array[] = []
      for await (const chunk of blockstore.get(cid)) chunks.push(chunk)
      return dagPb.decode(Buffer.concat(chunks)).Links.find(link => link.Name === name)?.Hash
    }
    const sub = await linkOf(CID.parse(siteRoot), 'sub')
    expect(sub).toBeDefined()
    expect((await linkOf(sub!, 'f.bin'))?.toString()).toBe(fileRoot)

    const raw = await fetchBytes(`${edge.info.http}/ipfs/${fileRoot}?format=raw`)
    expect(raw.response.status).toBe(200)
    expect(await hashMatches(CID.parse(fileRoot), raw.bytes)).toBe(true)
  })

  it('links every dag-pb node by the size of everything under it', async () => {
    const { bytes } = await fetchBytes(`${edge.info.http}/ipfs/${siteRoot}?format=car`)
    const sizes = new Map<string, number>()
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    for await (const block of await CarBlockIterator.fromBytes(bytes)) blocks.push(block)
    // children come after their parents in a CAR: add up from the end
    for (const block of blocks.reverse()) {
      let size = block.bytes.byteLength
      if (block.cid.code === dagPb.code) {
        for (const link of dagPb.decode(block.bytes).Links) {
          expect(link.Tsize).toBe(sizes.get(link.Hash.toString()))
          size += link.Tsize ?? 0
        }
      }
      sizes.set(block.cid.toString(), size)
    }
    // no block repeats in this site: the root's size is every block's bytes
    expect(sizes.get(siteRoot)).toBe(blocks.reduce((sum, block) => sum + block.bytes.byteLength, 0))
  })

  it('is fetched over bitswap by a Helia node that verifies with the browser\'s hashers', async () => {
    const client = withBitswap(withLibp2pLight(createHeliaLight({ routers: [], hashers: [...BLOCK_HASHERS] }), {
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() }
    }))
    await client.start()
    try {
      await client.libp2p.dial(multiaddr(edge.info.multiaddrs[0]))
      const chunks: Uint8Array[] = []
      for await (const chunk of unixfs(client).cat(CID.parse(siteRoot), { path: 'sub/f.bin', signal: AbortSignal.timeout(10_000) })) {
        chunks.push(chunk)
      }
      expect(Buffer.concat(chunks).equals(FILE)).toBe(true)
    } finally {
      await client.stop()
    }
  })

  it.skipIf(!existsSync(KUBO))(`gives the CIDs Kubo's ipfs add --cid-version=1 --raw-leaves --hash=${hash} gives`, async () => {
    const repo = await mkdtemp(join(tmpdir(), 'edgeway-kubo-'))
    try {
      const env = { ...process.env, IPFS_PATH: repo }
      const kubo = async (...args: string[]): Promise<string> => (await promisify(execFile)(KUBO, args, { env })).stdout.trim()
      await kubo('init', '--profile', 'test', '--empty-repo')
      const add = ['add', '-Q', '--only-hash', '--cid-version=1', '--raw-leaves', `--hash=${hash}`]
      expect(await kubo(...add, join(dir, 'f.bin'))).toBe(fileRoot)
      expect(await kubo(...add, '-r', join(dir, 'site'))).toBe(siteRoot)
    } finally {
      await rm(repo, { recursive: true, force: true })
    }
  })
})
