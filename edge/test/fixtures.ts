/**
 * Shared helpers for the edge tests: a small site on disk, and a reader that
 * checks every block of a CAR the way an untrusting client would.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { equals } from 'multiformats/bytes'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface SiteFixture {
  dir: string
  site: string
  files: Record<string, Uint8Array>
  cleanup(): Promise<void>
}

/** A temp directory holding `site/` with a few files, a 3 MiB one among them */
export async function createSiteFixture (): Promise<SiteFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'edgeway-edge-test-'))
  const site = join(dir, 'site')
  const files: Record<string, Uint8Array> = {
    'index.html': new TextEncoder().encode('<!doctype html><title>Edge test</title><a href="about.html">about</a>\n'),
    'about.html': new TextEncoder().encode('<!doctype html><title>About</title>\n'),
    'data/big.bin': randomBytes(3 * 1024 * 1024),
    'data/notes.txt': new TextEncoder().encode('notes\n')
  }

  await mkdir(join(site, 'data'), { recursive: true })
  await mkdir(join(site, 'empty'))
  for (const [path, bytes] of Object.entries(files)) {
    await writeFile(join(site, path), bytes)
  }
  await writeFile(join(site, '.hidden'), 'not served')

  return {
    dir,
    site,
    files,
    cleanup: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}

export async function sha256Matches (cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== sha256.code) {
    throw new Error(`test expects sha2-256 CIDs, got 0x${cid.multihash.code.toString(16)}`)
  }
  const digest = await sha256.digest(bytes)
  return equals(digest.bytes, cid.multihash.bytes)
}

export interface VerifiedCar {
  roots: CID[]
  cids: CID[]
  blockstore: MemoryBlockstore
}

/** Parses a CAR, throws if any block fails its hash, and keeps the blocks */
export async function readVerifiedCar (bytes: Uint8Array): Promise<VerifiedCar> {
  const iterator = await CarBlockIterator.fromBytes(bytes)
  const blockstore = new MemoryBlockstore()
  const cids: CID[] = []

  for await (const block of iterator) {
    if (!(await sha256Matches(block.cid, block.bytes))) {
      throw new Error(`block ${block.cid} failed verification`)
    }
    cids.push(block.cid)
    await blockstore.put(block.cid, block.bytes)
  }

  return { roots: await iterator.getRoots(), cids, blockstore }
}

/** Reassembles a UnixFS file from verified blocks */
export async function catFile (blockstore: MemoryBlockstore, cid: CID, path?: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of unixfs({ blockstore }).cat(cid, { path, offline: true })) {
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export async function fetchBytes (url: string, init?: RequestInit): Promise<{ response: Response, bytes: Uint8Array }> {
  const response = await fetch(url, init)
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) }
}

/** A CARv1 file at `path` holding `blocks` in the order given */
export async function writeCar (path: string, roots: CID[], blocks: Array<{ cid: CID, bytes: Uint8Array }>): Promise<void> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const collected = (async () => { for await (const chunk of out) chunks.push(chunk) })()
  for (const block of blocks) {
    await writer.put(block)
  }
  await writer.close()
  await collected
  await writeFile(path, Buffer.concat(chunks))
}

/** `blockstore` as it is, but counting the reads of each block (by CID string) in `reads` */
export function countingReads <T extends Blockstore> (blockstore: T): { blockstore: T, reads: Map<string, number> } {
  const reads = new Map<string, number>()
  const counting = new Proxy(blockstore, {
    get (target, prop) {
      if (prop === 'get') {
        return (cid: CID, options?: any) => {
          reads.set(cid.toString(), (reads.get(cid.toString()) ?? 0) + 1)
          return target.get(cid, options)
        }
      }
      const value = Reflect.get(target, prop)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { blockstore: counting, reads }
}
