import * as dagPb from '@ipld/dag-pb'
import { murmur3128 } from '@multiformats/murmur3'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { ContentError, NotInDagError } from '../../lib/errors.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { PBNode } from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'

/**
 * Why not `ipfs-unixfs-exporter`, which the full engine uses: it brings
 * resolvers for every codec (cborg, DAG-JSON), `p-queue` and the `it-*`
 * helpers. Measured in the SDK build (gzip, core + lean path with what they
 * import): 78.5 KiB with the exporter, 47.5 KiB with this walk (50 KiB since), against a
 * budget of 60. The lean path reads UnixFS files and directories only, which
 * is this module: a path followed through plain and HAMT directories, a
 * file's bytes depth-first. `unixfs-walk.test.ts` holds it to the exporter.
 */

/** Where the walk's blocks come from; each one already checked against its CID. */
export interface BlockGetter {
  block(cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

export type WalkEntry =
  | { kind: 'file', cid: CID, size: number, content(options?: ContentOptions): AsyncGenerator<Uint8Array> }
  | { kind: 'directory', cid: CID, node: PBNode, unixfs: UnixFS }
  /** Anything else (DAG-CBOR, a symlink…): the full engine's */
  | { kind: 'other', cid: CID }

export interface ContentOptions extends AbortOptions {
  /**
   * Child blocks asked for at once on each level of a file, ahead of the reader
   *
   * @default 8
   */
  readAhead?: number
}

/** A file nested deeper than this is not one any importer makes. */
const MAX_DEPTH = 64

/** The HAMT hash UnixFS uses (murmur3-x64-64). */
const MURMUR3_X64_64 = 0x22

/** The path goes on through something the walk does not read (DAG-CBOR, say): the full engine's to answer */
export class HandOverError extends Error {
  static name = 'HandOverError'
  name = 'HandOverError'
}

/** A DAG that does not follow UnixFS: it cannot be served, and asking again will not help (502). */
function malformed (cid: CID, why: string): ContentError {
  return new ContentError(`${cid.toString()} is not valid UnixFS: ${why}`, 502)
}

/** The entry at `segments` under `root`; NotInDagError when the path leads nowhere. */
export async function walkPath (root: CID, segments: readonly string[], blocks: BlockGetter, options: AbortOptions = {}): Promise<WalkEntry> {
  let entry = await entryOf(root, blocks, options)
  for (const name of segments) {
    if (entry.kind === 'other') {
      throw new HandOverError(`${entry.cid.toString()} is not UnixFS`)
    }
    if (entry.kind !== 'directory') {
      throw new NotInDagError(`${entry.cid.toString()} has no "${name}": it is not a directory`)
    }
    const next = entry.unixfs.type === 'directory'
      ? entry.node.Links.find(link => link.Name === name)?.Hash
      : await findInShard(entry.cid, entry.node, entry.unixfs, name, blocks, options)
    if (next == null) {
      throw new NotInDagError(`no "${name}" in ${entry.cid.toString()}`)
    }
    entry = await entryOf(next, blocks, options)
  }
  return entry
}

async function blockOf (cid: CID, blocks: BlockGetter, options: AbortOptions): Promise<Uint8Array> {
  // an identity CID carries its block; its length was checked when the address was
  return cid.multihash.code === identity.code ? cid.multihash.digest : blocks.block(cid, options)
}

async function entryOf (cid: CID, blocks: BlockGetter, options: AbortOptions): Promise<WalkEntry> {
  if (cid.code === raw.code) {
    const bytes = await blockOf(cid, blocks, options)
    return { kind: 'file', cid, size: bytes.byteLength, content: async function * () { yield bytes } }
  }
  if (cid.code !== dagPb.code) {
    return { kind: 'other', cid }
  }
  const node = decode(cid, await blockOf(cid, blocks, options))
  const unixfs = unixfsOf(cid, node)
  if (unixfs.type === 'file' || unixfs.type === 'raw') {
    return { kind: 'file', cid, size: Number(unixfs.fileSize()), content: async function * (contentOptions = {}) { yield * fileBytes(cid, node, unixfs, blocks, contentOptions) } }
  }
  if (unixfs.type === 'directory' || unixfs.type === 'hamt-sharded-directory') {
    return { kind: 'directory', cid, node, unixfs }
  }
  return { kind: 'other', cid }
}

function decode (cid: CID, bytes: Uint8Array): PBNode {
  try {
    return dagPb.decode(bytes)
  } catch (err) {
    throw malformed(cid, err instanceof Error ? err.message : String(err))
  }
}

function unixfsOf (cid: CID, node: PBNode): UnixFS {
  if (node.Data == null) {
    throw malformed(cid, 'no data in the node')
  }
  try {
    return UnixFS.unmarshal(node.Data)
  } catch (err) {
    throw malformed(cid, err instanceof Error ? err.message : String(err))
  }
}

/**
 * A HAMT directory's entry for `name`: each level takes the next
 * log2(fanout) bits of the name's murmur3-x64-64 hash as the index of its
 * slot; a link named by the index alone is the next level, one named index +
 * `name` is the entry.
 */
async function findInShard (cid: CID, node: PBNode, unixfs: UnixFS, name: string, blocks: BlockGetter, options: AbortOptions): Promise<CID | undefined> {
  const fanout = Number(unixfs.fanout ?? 0n)
  const bits = Math.log2(fanout)
  // the JS importer leaves the hash type out; murmur3 is the only one in use
  if ((unixfs.hashType != null && unixfs.hashType !== BigInt(MURMUR3_X64_64)) || !Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw malformed(cid, 'not a HAMT this gateway can read')
  }
  const hash = (await murmur3128.encode(new TextEncoder().encode(name))).subarray(0, 8)
  const padLength = (fanout - 1).toString(16).length
  for (let level = 0; (level + 1) * bits <= 64; level++) {
    const prefix = takeBits(hash, level * bits, bits).toString(16).toUpperCase().padStart(padLength, '0')
    const link = node.Links.find(link => link.Name?.startsWith(prefix) === true)
    if (link == null) {
      return undefined
    }
    if (link.Name === prefix + name) {
      return link.Hash
    }
    if (link.Name !== prefix) {
      // the slot holds another name
      return undefined
    }
    node = decode(link.Hash, await blockOf(link.Hash, blocks, options))
    if (unixfsOf(link.Hash, node).type !== 'hamt-sharded-directory') {
      throw malformed(link.Hash, 'a HAMT level that is not one')
    }
  }
  return undefined
}

/** `count` bits of `bytes` from bit `start`, most significant first. */
function takeBits (bytes: Uint8Array, start: number, count: number): number {
  let value = 0
  for (let bit = start; bit < start + count; bit++) {
    value = (value << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1)
  }
  return value
}

/** A file's bytes in order; a DAG whose sizes do not add up to what the root says throws before the last bytes. */
async function * fileBytes (cid: CID, node: PBNode, unixfs: UnixFS, blocks: BlockGetter, options: ContentOptions): AsyncGenerator<Uint8Array> {
  const expected = unixfs.fileSize()
  const ahead: ReadAhead = { limit: Math.max(0, options.readAhead ?? 8), reads: 0 }
  let sent = 0n
  for await (const bytes of nodeBytes(cid, node, unixfs, blocks, options, ahead, 0)) {
    sent += BigInt(bytes.byteLength)
    if (sent > expected) {
      throw malformed(cid, `more than the ${expected} bytes it says it has`)
    }
    yield bytes
  }
  if (sent !== expected) {
    throw malformed(cid, `${sent} bytes where it says ${expected}`)
  }
}

/**
 * Reads ahead of the reader, for the whole file at once: at most `limit`
 * blocks asked for before their turn, and only leaves (blocks of at most
 * READ_AHEAD_LEAF_BYTES by their parent's word). An interior node is asked
 * for when its turn comes: in a depth-first CAR it is far away, and holding
 * its siblings would hold everything under them.
 */
interface ReadAhead {
  limit: number
  reads: number
}

/** The largest child read ahead: a leaf, as importers chunk files (256 KiB, 1 MiB) */
const READ_AHEAD_LEAF_BYTES = 1024 * 1024

async function * nodeBytes (cid: CID, node: PBNode, unixfs: UnixFS, blocks: BlockGetter, options: ContentOptions, ahead: ReadAhead, depth: number): AsyncGenerator<Uint8Array> {
  if (depth > MAX_DEPTH) {
    throw malformed(cid, `nested more than ${MAX_DEPTH} levels deep`)
  }
  if (unixfs.data != null && unixfs.data.byteLength > 0) {
    yield unixfs.data
  }
  if (node.Links.length !== unixfs.blockSizes.length) {
    throw malformed(cid, 'its links and block sizes do not match')
  }
  const early = new Map<number, Promise<Uint8Array>>()
  const read = (index: number): Promise<Uint8Array> => {
    const reading = blockOf(node.Links[index].Hash, blocks, options)
    // a read the reader never reaches (it stopped) must not be an unhandled rejection
    reading.catch(() => {})
    return reading
  }
  try {
    for (let i = 0; i < node.Links.length; i++) {
      const current = early.get(i) ?? read(i)
      if (early.delete(i)) ahead.reads--
      for (let next = i + 1; next < node.Links.length && ahead.reads < ahead.limit && unixfs.blockSizes[next] <= BigInt(READ_AHEAD_LEAF_BYTES); next++) {
        if (!early.has(next)) {
          early.set(next, read(next))
          ahead.reads++
        }
      }
      const child = node.Links[i].Hash
      const bytes = await current
      if (child.code === raw.code) {
        yield bytes
      } else if (child.code === dagPb.code) {
        const childNode = decode(child, bytes)
        yield * nodeBytes(child, childNode, unixfsOf(child, childNode), blocks, options, ahead, depth + 1)
      } else {
        throw malformed(child, `a file block of codec 0x${child.code.toString(16)}`)
      }
    }
  } finally {
    ahead.reads -= early.size
    early.clear()
  }
}
