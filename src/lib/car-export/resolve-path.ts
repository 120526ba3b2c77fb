import { walkPath } from 'ipfs-unixfs-exporter'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** The blocks from a root to a path's target (the target last), and the segments between them */
export interface ResolvedPath {
  cids: CID[]
  /** One entry per step, one fewer than `cids`: a name, or `a/b` for a step inside a DAG-CBOR node */
  names: string[]
}

/** The path does not resolve under the root. Named as the edge's HTTP 404, which its server maps by name. */
export class PathNotFoundError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}

/** The path ends inside a block, which a CAR of whole blocks cannot answer. Named as the edge's HTTP 501. */
export class PathInsideBlockError extends Error {
  static name = 'NotImplementedError'
  name = 'NotImplementedError'
}

/**
 * The blocks from `root` along `path` to its target, and the path segments
 * each step crossed, checked before any byte of a CAR is sent so a missing
 * path is a clean refusal rather than a broken stream. Steps go through
 * UnixFS directories (one name each, HAMT shards included) and through
 * DAG-CBOR/DAG-JSON nodes (several names when they cross maps or lists
 * inside one block).
 */
export async function resolvePath (blockstore: Blockstore, root: CID, path: string, options: AbortOptions): Promise<ResolvedPath> {
  if (path === '') {
    return { cids: [root], names: [] }
  }
  const cids: CID[] = []
  const names: string[] = []
  let reached = ''
  try {
    for await (const entry of walkPath(`${root}${path}`, blockstore, options)) {
      if (cids.length > 0) {
        names.push(entry.name)
      }
      cids.push(entry.cid)
      reached = entry.path
    }
  } catch (err: any) {
    throw new PathNotFoundError(`cannot resolve ${path} under ${root}: ${err.message}`)
  }

  if (reached !== `${root}${path}`) {
    // the last segments name a value inside a block (a DAG-CBOR map, say), not a link to one
    throw new PathInsideBlockError(`${path} under ${root} ends inside block ${cids[cids.length - 1] ?? root}, not at a link: the edge sends CARs of whole blocks`)
  }
  return { cids, names }
}
