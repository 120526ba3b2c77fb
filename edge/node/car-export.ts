import * as CarBufferWriter from '@ipld/car/buffer-writer'
import { createUnsafe } from 'multiformats/block'
import { identity } from 'multiformats/hashes/identity'
import { varint } from 'multiformats'
import { readFileLayout } from './entity-bytes.ts'
import { readUnixfsHeader } from './unixfs-header.ts'
import type { FileLayout, FileRange } from './entity-bytes.ts'
import type { DagScope } from './parse-gateway-request.ts'
import type { PBNode } from './unixfs-header.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

const DAG_PB = 0x70

export interface CarExportComponents {
  blockstore: Blockstore
  getCodec: CodecLoader
}

export interface CarExportOptions extends AbortOptions {
  /**
   * A resolved path: `cids` from the root down to the target (the target last)
   * and the path segment `names` between them, one fewer than `cids`
   */
  path?: { cids: CID[], names: string[] }
  /** @default 'all' */
  dagScope?: DagScope
  /**
   * With dagScope `entity` and a file target: write only the blocks needed to
   * read these bytes of it (see `resolveFileRange`)
   */
  fileRange?: FileRange
}

/**
 * A CARv1 stream rooted at `root`: the blocks on the path to the target (if
 * any), then the target's DAG (or with a `fileRange`, the part of it that
 * holds those bytes) depth-first in link order, each block once.
 *
 * Blocks are read one at a time and sequentially, so a missing block surfaces
 * as a rejection of this generator (the caller cuts the response), never as a
 * stray rejection elsewhere, and memory stays flat however big the DAG.
 */
export async function * exportCar (components: CarExportComponents, root: CID, options: CarExportOptions = {}): AsyncGenerator<Uint8Array> {
  const { path = { cids: [root], names: [] }, dagScope = 'all', fileRange } = options
  const target = path.cids[path.cids.length - 1] ?? root
  const seen = new Set<string>()

  yield carHeader(root)

  for (let i = 0; i < path.cids.length - 1; i++) {
    for (const cid of await pathBlocks(components, path.cids[i], path.names[i], path.cids[i + 1], options)) {
      yield * walk(components, cid, 'block', seen, options)
    }
  }

  if (fileRange != null && dagScope === 'entity') {
    yield * walkFileRange(components, target, fileRange, seen, options)
  } else {
    yield * walk(components, target, dagScope, seen, options)
  }
}

/**
 * The blocks a verifier needs to step from directory `dir` to its entry
 * `name` (= `next`): the directory node, and for a HAMT-sharded directory the
 * chain of shard nodes down to the one that links to the entry.
 */
async function pathBlocks (components: CarExportComponents, dir: CID, name: string, next: CID, options: AbortOptions): Promise<CID[]> {
  const chain = await findInShards(components, dir, name, next, options)
  return chain ?? [dir]
}

async function findInShards (components: CarExportComponents, shard: CID, name: string, next: CID, options: AbortOptions): Promise<CID[] | undefined> {
  if (shard.code !== DAG_PB) {
    return undefined
  }

  const node = (await components.getCodec(DAG_PB)).decode(await readBytes(components.blockstore, shard, options)) as PBNode
  const header = readUnixfsHeader(node.Data)
  if (header.type !== 'hamt-sharded-directory') {
    return undefined
  }

  const prefixLength = (header.fanout - 1).toString(16).length
  if (node.Links.some(link => link.Name?.slice(prefixLength) === name && link.Hash.equals(next))) {
    return [shard]
  }

  for (const link of node.Links) {
    if (link.Name?.length === prefixLength) {
      const chain = await findInShards(components, link.Hash, name, next, options)
      if (chain != null) {
        return [shard, ...chain]
      }
    }
  }

  return undefined
}

async function * walk (components: CarExportComponents, start: CID, scope: DagScope, seen: Set<string>, options: AbortOptions): AsyncGenerator<Uint8Array> {
  const stack: CID[] = [start]

  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop() as CID
    const key = cid.toV1().toString()
    if (seen.has(key)) {
      continue
    }
    seen.add(key)

    const bytes = await readBytes(components.blockstore, cid, options)
    if (cid.multihash.code !== identity.code) {
      yield * carBlock(cid, bytes)
    }

    if (scope === 'block') {
      continue
    }

    const children = await childrenOf(components, cid, bytes, scope)
    // reversed so the first link is popped, and so walked, first
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push(children[i])
    }
  }
}

interface FileVisit {
  cid: CID
  /** Where the node's bytes start in the file */
  offset: number
  /** The node's block when it is already read (the target's) */
  block?: Uint8Array
}

/**
 * The blocks a reader needs for `range` of the file at `target`: every node
 * from the root down, following only the children whose bytes overlap the
 * range, so no leaf outside it is read or written.
 *
 * `seen` keeps a block from being written twice, but a repeated subtree (the
 * same chunks twice in a file) is still entered at each of its offsets, since
 * the range may need different children of it each time. The layouts of inner
 * nodes (about one per 174 leaves) are kept, so that costs no second read.
 */
async function * walkFileRange (components: CarExportComponents, target: CID, range: FileRange, seen: Set<string>, options: AbortOptions): AsyncGenerator<Uint8Array> {
  const stack: FileVisit[] = [{ cid: target, offset: 0, block: range.block }]
  const innerLayouts = new Map<string, FileLayout>()

  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const { cid, offset, block } = stack.pop() as FileVisit
    const key = cid.toV1().toString()
    let layout = innerLayouts.get(key)

    if (layout == null) {
      if (seen.has(key)) {
        // written already, and with nothing below it to follow (inner nodes are in innerLayouts)
        continue
      }
      seen.add(key)

      const bytes = block ?? await readBytes(components.blockstore, cid, options)
      if (cid.multihash.code !== identity.code) {
        yield * carBlock(cid, bytes)
      }

      layout = await readFileLayout(components.getCodec, cid, bytes)
      if (layout == null || layout.children.length === 0) {
        continue
      }
      innerLayouts.set(key, layout)
    }

    // reversed so the first child is popped, and so walked, first
    for (let i = layout.children.length - 1; i >= 0; i--) {
      const child = layout.children[i]
      if (offset + child.start < range.end && offset + child.end > range.start) {
        stack.push({ cid: child.cid, offset: offset + child.start })
      }
    }
  }
}

/**
 * Which links to follow. `all` follows every link. `entity` follows a UnixFS
 * file's chunks, but of a directory only its HAMT shards, not its entries.
 */
async function childrenOf (components: CarExportComponents, cid: CID, bytes: Uint8Array, scope: DagScope): Promise<CID[]> {
  const codec = await components.getCodec(cid.code)

  if (scope === 'all') {
    return [...createUnsafe({ cid, bytes, codec }).links()].map(([, link]) => link)
  }

  if (cid.code !== DAG_PB) {
    return []
  }

  const node = codec.decode(bytes) as PBNode
  const header = readUnixfsHeader(node.Data)

  if (header.type === 'file' || header.type === 'raw') {
    // a file's children are all file chunks, so within a file entity every link is followed
    return node.Links.map(link => link.Hash)
  }

  if (header.type === 'hamt-sharded-directory') {
    const prefixLength = (header.fanout - 1).toString(16).length
    return node.Links.filter(link => link.Name?.length === prefixLength).map(link => link.Hash)
  }

  return []
}

async function readBytes (blockstore: Blockstore, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) {
    return cid.multihash.digest
  }

  const chunks: Uint8Array[] = []
  for await (const chunk of blockstore.get(cid, options)) {
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

function carHeader (root: CID): Uint8Array {
  const roots = [root]
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(CarBufferWriter.headerLength({ roots })), { roots })
  return writer.close()
}

function * carBlock (cid: CID, bytes: Uint8Array): Generator<Uint8Array> {
  const length = cid.bytes.byteLength + bytes.byteLength
  const prefix = new Uint8Array(varint.encodingLength(length) + cid.bytes.byteLength)
  varint.encodeTo(length, prefix)
  prefix.set(cid.bytes, varint.encodingLength(length))
  yield prefix
  yield bytes
}
