/**
 * `entity-bytes`: which bytes of a file a CAR request selects, and where each
 * block of a UnixFS file holds its bytes, so the exporter can write only the
 * blocks a reader needs for that range.
 */
import { UnixFS } from 'ipfs-unixfs'
import type { PBNode } from '@ipld/dag-pb'
import type { CodecLoader } from '@helia/interface'
import type { CID } from 'multiformats/cid'

const DAG_PB = 0x70
const RAW = 0x55

/** How much of a DAG a CAR carries: the target block, its entity, or everything under it */
export type DagScope = 'all' | 'entity' | 'block'

/**
 * `entity-bytes=from:to` as asked: inclusive byte offsets, negative ones
 * counted from the end of the file, `to` may be `'*'` (the last byte)
 */
export interface EntityBytes {
  from: number
  to: number | '*'
}

/**
 * A range that selects no byte of the file. Named as the edge's own HTTP 400
 * error, which its server maps by name; a tab peer answers it as a refusal.
 */
export class BadRequestError extends Error {
  static name = 'BadRequestError'
  name = 'BadRequestError'
}

/** Bytes `[start, end)` of a file or of one of its nodes */
export interface ByteRange {
  start: number
  end: number
}

/** Where the bytes under one block of a file are, relative to that block's first byte */
export interface FileLayout {
  /** How many bytes of the file are under this block */
  size: number
  /** The children in link order, each with the bytes it holds; the node's own `Data` bytes come first */
  children: Array<ByteRange & { cid: CID }>
}

/** The part of the target file an `entity-bytes` request selects */
export interface FileRange extends ByteRange {
  /** The target's own block, read to learn the file size; the exporter writes it rather than reading it again */
  block: Uint8Array
}

/**
 * Resolves `entityBytes` against the file whose root block is `block`, or
 * returns `undefined` when the target is not a file (a directory, a symlink,
 * DAG-CBOR…): the spec then ignores the parameter. A range reaching past
 * either end is clamped to the file; one selecting no byte at all is a
 * `BadRequestError`, which the spec asks for when it is known up front.
 */
export async function resolveFileRange (getCodec: CodecLoader, target: CID, block: Uint8Array, entityBytes: EntityBytes): Promise<FileRange | undefined> {
  const layout = await readFileLayout(getCodec, target, block)
  if (layout == null) {
    return undefined
  }

  return { ...resolveEntityBytes(entityBytes, layout.size), block }
}

/**
 * `from:to` as inclusive offsets, negative ones counted from the end and `*`
 * meaning the last byte, clamped to `[0, size)`.
 */
export function resolveEntityBytes ({ from, to }: EntityBytes, size: number): ByteRange {
  const start = from < 0 ? Math.max(0, size + from) : from
  const last = to === '*' ? size - 1 : to < 0 ? size + to : Math.min(to, size - 1)

  if (size === 0 && start === 0 && to === '*') {
    // `0:*` (or `-n:*`) is the whole file, which an empty file satisfies with no bytes
    return { start: 0, end: 0 }
  }

  if (start >= size || last < start) {
    throw new BadRequestError(`entity-bytes=${from}:${to} selects no bytes of this ${size}-byte file`)
  }

  return { start, end: last + 1 }
}

/**
 * The layout of one block of a UnixFS file: a raw block, or a dag-pb node of
 * type file or raw. `undefined` for anything else, which is not bytes.
 */
export async function readFileLayout (getCodec: CodecLoader, cid: CID, block: Uint8Array): Promise<FileLayout | undefined> {
  if (cid.code === RAW) {
    return { size: block.byteLength, children: [] }
  }

  if (cid.code !== DAG_PB) {
    return undefined
  }

  const node = (await getCodec(DAG_PB)).decode(block) as PBNode
  if (node.Data == null) {
    return undefined
  }

  let unixfs: UnixFS
  try {
    unixfs = UnixFS.unmarshal(node.Data)
  } catch {
    // not UnixFS data that `ipfs-unixfs` (and so any client's exporter) can read: no bytes to place
    return undefined
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    return undefined
  }

  const dataLength = unixfs.data?.byteLength ?? 0
  const blockSizes = unixfs.blockSizes.map(Number)
  const size = blockSizes.reduce((sum, blockSize) => sum + blockSize, dataLength)
  if (blockSizes.length !== node.Links.length) {
    // no reader can place these children; the node alone shows a client why its read fails
    return { size, children: [] }
  }

  let offset = dataLength
  const children = node.Links.map((link, i) => {
    const child = { cid: link.Hash, start: offset, end: offset + blockSizes[i] }
    offset = child.end
    return child
  })

  return { size, children }
}
