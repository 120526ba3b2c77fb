/**
 * Content the engine tests serve from a real edge: a site folder (imported by
 * the edge as `ipfs add` would) and a HAMT-sharded directory as a CAR (the
 * edge's own import never shards a directory this small).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import * as dagCbor from '@ipld/dag-cbor'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { randomFile } from '../../../e2e/support/content.ts'

/** 1.25 MiB: five 256 KiB leaves and a short one, so ranges and reads cross block boundaries */
export const BIG_FILE_BYTES = 5 * 256 * 1024 + 12_345

/** Rules of the site's `_redirects` file: a redirect, an SPA rewrite, a custom 404 page */
export const REDIRECTS = [
  '/old-page /index.html 301',
  '/app/* /index.html 200',
  '/* /404.html 404'
].join('\n')

/** Files of the site, by path */
export function siteFiles (): Record<string, Uint8Array | string> {
  return {
    'index.html': '<!doctype html><title>Engine test site</title><p>home</p>\n',
    '404.html': '<!doctype html><title>Lost</title><p>custom not found</p>\n',
    _redirects: `${REDIRECTS}\n`,
    'big.bin': randomFile(BIG_FILE_BYTES),
    'notes.txt': 'plain notes\n',
    'docs/a.txt': 'first document\n',
    'docs/b.txt': 'second document\n'
  }
}

/** Names of the sharded directory's files; their content is `file <name>\n` */
export const HAMT_NAMES = Array.from({ length: 40 }, (_, i) => `entry-${String(i).padStart(2, '0')}.txt`)

export function hamtFileText (name: string): string {
  return `file ${name}\n`
}

/** The DAG-CBOR node the CAR carries beside the directory: a name, a link to the directory, a nested map */
export const DAG_NODE_NAME = 'engine test node'

/**
 * Writes `<dir>/hamt.car`: a directory of `HAMT_NAMES` sharded from its first
 * entry on, four buckets per level, so a path walks through nested shards;
 * and a DAG-CBOR node `{ name, site: <directory>, meta: { kind } }` linking to it.
 */
export async function writeHamtCar (dir: string): Promise<{ file: string, root: CID, dagNode: CID }> {
  const blocks = new MemoryBlockstore()
  const candidates = HAMT_NAMES.map(name => ({ path: `hamt/${name}`, content: new TextEncoder().encode(hamtFileText(name)) }))
  let root: CID | undefined
  for await (const entry of importer(candidates, blocks, { cidVersion: 1, rawLeaves: true, shardSplitThresholdBytes: 1, shardFanoutBits: 2 })) {
    if (entry.path === 'hamt') root = entry.cid
  }
  if (root == null) throw new Error('the importer made no directory')
  const nodeBytes = dagCbor.encode({ name: DAG_NODE_NAME, site: root, meta: { kind: 'fixture' } })
  const dagNode = CID.createV1(dagCbor.code, await sha256.digest(nodeBytes))
  await blocks.put(dagNode, nodeBytes)
  const file = join(dir, 'hamt.car')
  await writeCar(blocks, [root, dagNode], file)
  return { file, root, dagNode }
}

/** Every block of `blocks` in one CAR file with these roots. */
export async function writeCar (blocks: MemoryBlockstore, roots: CID[], file: string): Promise<void> {
  const { writer, out } = CarWriter.create(roots)
  const parts: Uint8Array[] = []
  const collected = (async () => { for await (const part of out) parts.push(part) })()
  for await (const { cid, bytes } of blocks.getAll()) {
    const chunks: Uint8Array[] = []
    for await (const chunk of bytes) chunks.push(chunk)
    await writer.put({ cid, bytes: Buffer.concat(chunks) })
  }
  await writer.close()
  await collected
  await writeFile(file, Buffer.concat(parts))
}
