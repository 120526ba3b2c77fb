/**
 * Reads the fields of a UnixFS `Data` protobuf the CAR exporter needs: `Type`
 * (field 1) to tell files from directories, `fanout` (field 6) for HAMT
 * shards, and for files the length of `Data` (field 2) and `blocksizes`
 * (field 4) to place each child's bytes within the file. The rest of the
 * message is skipped; a missing or unreadable message counts as `unknown`,
 * which the exporter treats like a directory (no links followed).
 */
import { readPackedVarints, readProtobufFields } from './protobuf-fields.ts'
import type { CID } from 'multiformats/cid'

export type UnixfsType = 'raw' | 'directory' | 'file' | 'metadata' | 'symlink' | 'hamt-sharded-directory' | 'unknown'

export interface UnixfsHeader {
  type: UnixfsType
  /** HAMT fanout; 256 unless the node says otherwise */
  fanout: number
  /** Byte length of the `Data` field: a file node's own bytes, which come before its children's */
  dataLength: number
  /** A file node's `blocksizes`: the byte length of each child, in link order */
  blockSizes: number[]
}

/** A decoded dag-pb node, the shape `@ipld/dag-pb` decodes to */
export interface PBNode {
  Data?: Uint8Array
  Links: PBLink[]
}

export interface PBLink {
  Hash: CID
  Name?: string
}

const TYPES: UnixfsType[] = ['raw', 'directory', 'file', 'metadata', 'symlink', 'hamt-sharded-directory']
const DEFAULT_FANOUT = 256

export function readUnixfsHeader (data: Uint8Array | undefined): UnixfsHeader {
  const header: UnixfsHeader = { type: 'unknown', fanout: DEFAULT_FANOUT, dataLength: 0, blockSizes: [] }
  if (data == null) {
    return header
  }

  try {
    for (const entry of readProtobufFields(data)) {
      if (entry.wireType === 0) {
        if (entry.field === 1) header.type = TYPES[entry.value] ?? 'unknown'
        if (entry.field === 4) header.blockSizes.push(entry.value)
        if (entry.field === 6 && entry.value > 0) header.fanout = entry.value
      } else {
        if (entry.field === 2) header.dataLength = entry.bytes.byteLength
        // packed blocksizes, as go-unixfs and js-ipfs-unixfs write them
        if (entry.field === 4) header.blockSizes.push(...readPackedVarints(entry.bytes))
      }
    }
  } catch {
    // keep what was read before the damage
  }

  return header
}
