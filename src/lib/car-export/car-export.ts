import { BlockExporter, CIDPath, SubgraphExporter, car } from '@helia/car'
import { defaultLogger } from '@libp2p/logger'
import { UnixFS } from 'ipfs-unixfs'
import { createUnsafe } from 'multiformats/block'
import { identity } from 'multiformats/hashes/identity'
import { concat } from 'uint8arrays/concat'
import { toString } from 'uint8arrays/to-string'
import { readFileLayout } from './entity-bytes.ts'
import type { DagScope, FileLayout, FileRange } from './entity-bytes.ts'
import type { ExportStrategy } from '@helia/car'
import type { CodecLoader, GraphNode, GraphWalker, GraphWalkerComponents, WalkOptions } from '@helia/interface'
import type { PBNode } from '@ipld/dag-pb'
import type { AbortOptions, ComponentLogger } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { BlockView } from 'multiformats/block/interface'
import type { CID } from 'multiformats/cid'

const DAG_PB = 0x70
const RAW = 0x55

export interface CarExportComponents {
  blockstore: Blockstore
  getCodec: CodecLoader
  /** @default a logger of its own */
  logger?: ComponentLogger
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
 * A CARv1 stream rooted at `root`, written by `@helia/car`: the blocks on the
 * path to the target (if any), then the target's DAG (or with a `fileRange`,
 * the part of it that holds those bytes) depth-first in link order, each
 * block once.
 *
 * Shared by the edge's trustless gateway and a tab peer's CAR protocol, so
 * both send exactly the same blocks for the same query.
 *
 * Blocks are read one at a time and sequentially, so a missing block surfaces
 * as a rejection of this generator (the caller cuts the response), and memory
 * stays flat however big the DAG.
 */
export async function * exportCar (components: CarExportComponents, root: CID, options: CarExportOptions = {}): AsyncGenerator<Uint8Array> {
  const { path = { cids: [root], names: [] }, dagScope = 'all', fileRange, signal } = options
  const { blockstore, getCodec, logger = defaultLogger() } = components

  const steps: CID[] = [path.cids[0] ?? root]
  for (let i = 0; i < path.cids.length - 1; i++) {
    // a HAMT directory links to its entry through shard nodes the path does not name
    steps.push(...await shardChain(components, path.cids[i], path.names[i], path.cids[i + 1], options), path.cids[i + 1])
  }

  // no `blockFilter`: each walker enters a block once, and the path's blocks are
  // the target's ancestors, so never in its DAG (which @helia/car starts with
  // the target, skipping it as already written)
  yield * joinSmallChunks(car({ blockstore, getCodec, logger }).export(root, {
    traversal: steps.length > 1 ? new CIDPath(steps) : undefined,
    exporter: exporterFor(dagScope, fileRange),
    offline: true,
    signal
  }))
}

/** Below this, a chunk is a block's length and CID (or a small block), not a big block's bytes */
const SMALL_CHUNK = 1024
/** Small chunks held back to be joined, at most: a DAG of small blocks still streams */
const JOINED_CHUNK = 64 * 1024

/**
 * `@ipld/car`'s writer yields a block's length varint, its CID and its bytes
 * as three chunks, and each costs a pass through the response stream and a
 * socket write; joining the small ones (copying ~40 bytes, never a big
 * block's bytes) makes two per block. Measured against the hand-made writer
 * this replaced, the edge's CPU for a 64 MiB entity CAR went from +15 ms
 * (52 against 37, mean of 15) to +2 ms with the join. The header goes out
 * at once, as before any block is read, so a block missing at the start
 * still cuts a stream already under way rather than becoming an error status.
 */
async function * joinSmallChunks (chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = []
  let pendingLength = 0
  let first = true
  const flush = (): Uint8Array => {
    const joined = pending.length === 1 ? pending[0] : concat(pending, pendingLength)
    pending = []
    pendingLength = 0
    return joined
  }

  for await (const chunk of chunks) {
    if (first) {
      first = false
      yield chunk
    } else if (chunk.byteLength >= SMALL_CHUNK) {
      if (pending.length > 0) {
        yield flush()
      }
      yield chunk
    } else {
      pending.push(chunk)
      pendingLength += chunk.byteLength
      if (pendingLength >= JOINED_CHUNK) {
        yield flush()
      }
    }
  }

  if (pending.length > 0) {
    yield flush()
  }
}

/**
 * `block` is the target alone; `all` every link below it, whatever the codec.
 * `entity` is a UnixFS file's chunks, or of a directory only its HAMT shards,
 * not its entries; of anything else (DAG-CBOR, a dag-pb node that is not
 * UnixFS) the block alone.
 *
 * `all` and `entity` walk with `SequentialWalker` plugged into
 * `SubgraphExporter`, not with `depthFirstWalker` (@helia/utils 3.0.5) or
 * `UnixFSExporter` (which always uses it), for two measured reasons:
 * - a missing block: with one leaf 41 MB into a 64 MiB file gone, that
 *   walker's export ended without error after 10.7 MB, its `NotFoundError`
 *   an unhandled rejection, so a client would take a cut DAG for a whole one;
 * - speed: exporting that file in-process took 101 ms of CPU (median of 20,
 *   on a loaded machine) against 18 ms with this walker (a queue job, a sort
 *   and a path copy per block, and a repeated subtree walked again wherever
 *   it occurs).
 */
function exporterFor (scope: DagScope, fileRange: FileRange | undefined): ExportStrategy {
  if (scope === 'block') {
    return new BlockExporter()
  }

  if (scope === 'all') {
    return new SubgraphExporter({ walker: sequentialWalker(everyLink) })
  }

  if (fileRange != null) {
    return new FileRangeExporter(fileRange)
  }

  return new SubgraphExporter({ walker: sequentialWalker(entityLinks) })
}

/** Which links of a block a walk follows */
type FollowLinks = (block: BlockView<unknown, number, number, 0 | 1>) => CID[]

function everyLink (block: BlockView<unknown, number, number, 0 | 1>): CID[] {
  return [...block.links()].map(([, link]) => link)
}

/**
 * Within a UnixFS entity: a file's every link (all are its chunks), a HAMT
 * shard's links to sub-shards (their names are the bare hash prefix), and
 * nothing of a plain directory, a symlink or any other codec.
 */
function entityLinks (block: BlockView<unknown, number, number, 0 | 1>): CID[] {
  if (block.cid.code !== DAG_PB) {
    return []
  }

  const node = block.value as PBNode
  const unixfs = readUnixfs(node)

  if (unixfs?.type === 'file' || unixfs?.type === 'raw') {
    return node.Links.map(link => link.Hash)
  }

  if (unixfs?.type === 'hamt-sharded-directory') {
    const prefixLength = hashPrefixLength(unixfs)
    return node.Links.filter(link => link.Name?.length === prefixLength).map(link => link.Hash)
  }

  return []
}

/**
 * A `GraphWalker` for `SubgraphExporter` that reads one block at a time,
 * depth-first in link order, enters each block once (`dups=n`, and a file
 * that repeats a chunk subtree costs one read of it), and rejects with the
 * blockstore's error when a block is missing.
 */
function sequentialWalker (follow: FollowLinks): (components: GraphWalkerComponents) => GraphWalker {
  return (components) => new SequentialWalker(components, follow)
}

class SequentialWalker implements GraphWalker {
  private readonly components: GraphWalkerComponents
  private readonly follow: FollowLinks

  constructor (components: GraphWalkerComponents, follow: FollowLinks) {
    this.components = components
    this.follow = follow
  }

  async * walk <T = any> (root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
    const { blockstore, getCodec } = this.components
    const maxDepth = options.depth ?? Infinity
    const stack: Array<{ cid: CID, path: CID[] }> = [{ cid: root, path: [root] }]
    const seen = new Set<string>()

    while (stack.length > 0) {
      options.signal?.throwIfAborted()
      const { cid, path } = stack.pop() as { cid: CID, path: CID[] }
      const key = blockKey(cid)
      if (seen.has(key)) {
        continue
      }
      seen.add(key)

      const block = createUnsafe({ cid, bytes: await readBytes(blockstore, cid, options), codec: await getCodec(cid.code) }) as BlockView<T, number, number, 0 | 1>
      yield { block, depth: path.length - 1, path }

      if (path.length - 1 >= maxDepth) {
        continue
      }
      const children = this.follow(block).filter(child => options.includeChild?.(child, block) !== false)
      // reversed so the first link is popped, and so walked, first
      for (let i = children.length - 1; i >= 0; i--) {
        stack.push({ cid: children[i], path: [...path, children[i]] })
      }
    }
  }
}

/**
 * The shard nodes between HAMT directory `dir` and its entry `name` (= `next`),
 * which a verifier needs to step from one to the other: none when `dir` is
 * not sharded or links to the entry itself.
 */
async function shardChain (components: CarExportComponents, dir: CID, name: string, next: CID, options: AbortOptions): Promise<CID[]> {
  const chain = await findInShards(components, dir, name, next, options)
  return chain?.slice(1) ?? []
}

async function findInShards (components: CarExportComponents, shard: CID, name: string, next: CID, options: AbortOptions): Promise<CID[] | undefined> {
  if (shard.code !== DAG_PB) {
    return undefined
  }

  const node = await readNode(components, shard, options)
  const unixfs = readUnixfs(node)
  if (unixfs?.type !== 'hamt-sharded-directory') {
    return undefined
  }

  const prefixLength = hashPrefixLength(unixfs)
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

/** A HAMT shard names a link to a sub-shard by the hash prefix alone, and one to an entry by the prefix and its name */
function hashPrefixLength (shard: UnixFS): number {
  return (Number(shard.fanout ?? 256n) - 1).toString(16).length
}

/** `undefined` for a node without UnixFS data or with data `ipfs-unixfs` cannot read: no links of it are followed */
function readUnixfs (node: PBNode): UnixFS | undefined {
  try {
    return node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  } catch {
    return undefined
  }
}

async function readNode (components: CarExportComponents, cid: CID, options: AbortOptions): Promise<PBNode> {
  return (await components.getCodec(DAG_PB)).decode(await readBytes(components.blockstore, cid, options)) as PBNode
}

/**
 * What makes two CIDs the same block for `dups=n`: codec and multihash (a
 * CIDv0 and its CIDv1 are one block), as a string without base-encoding.
 */
function blockKey (cid: CID): string {
  return `${cid.code}:${toString(cid.multihash.bytes, 'latin1')}`
}

interface FileVisit {
  cid: CID
  /** Where the node's bytes start in the file */
  offset: number
  /** The node's block when it is already read (the target's) */
  block?: Uint8Array
}

/**
 * The blocks a reader needs for a range of the file it exports: every node
 * from the root down, following only the children whose bytes overlap the
 * range, so no leaf outside it is read or written.
 *
 * Kept rather than `UnixFSExporter`'s `offset`/`length` (@helia/car 6.0.5):
 * that one places each child by its offset within its parent but compares it
 * with offsets within the whole file, so under any inner node but the first
 * it picks the wrong leaves — measured on a 64 MiB file of 256 KiB chunks,
 * 4 MiB from 48 MiB gave the root and one inner node, none of the 16 leaves
 * (we send 18 blocks) — and it adds a leaf that the range ends just before
 * (67 blocks for 16 MiB from 24 MiB, where 66 do). It also walks with the
 * walker that swallows a missing block (see `exporterFor`).
 *
 * A block is read once, but a repeated subtree (the same chunks twice in a
 * file) is still entered at each of its offsets, since the range may need
 * different children of it each time. The layouts of inner nodes (about one
 * per 174 leaves) are kept, so that costs no second read.
 */
class FileRangeExporter implements ExportStrategy {
  private readonly range: FileRange

  constructor (range: FileRange) {
    this.range = range
  }

  async * export (target: CID, blockstore: Blockstore, getCodec: CodecLoader, options: AbortOptions = {}): AsyncGenerator<BlockView<unknown, number, number, 0 | 1>> {
    const { range } = this
    const stack: FileVisit[] = [{ cid: target, offset: 0, block: range.block }]
    const innerLayouts = new Map<string, FileLayout>()
    const seen = new Set<string>()

    while (stack.length > 0) {
      options.signal?.throwIfAborted()
      const { cid, offset, block } = stack.pop() as FileVisit
      const key = blockKey(cid)
      let layout = innerLayouts.get(key)

      if (layout == null) {
        if (seen.has(key)) {
          // written already, and with nothing below it to follow (inner nodes are in innerLayouts)
          continue
        }
        seen.add(key)

        const bytes = block ?? await readBytes(blockstore, cid, options)
        yield createUnsafe({ cid, bytes, codec: await getCodec(cid.code) })

        layout = await readFileLayout(getCodec, cid, bytes)
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
}

async function readBytes (blockstore: Blockstore, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  if (cid.multihash.code === identity.code) {
    return cid.multihash.digest
  }

  const chunks: Uint8Array[] = []
  for await (const chunk of blockstore.get(cid, options)) {
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks)
}
