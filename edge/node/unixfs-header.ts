/**
 * Reads the fields of a UnixFS `Data` protobuf the CAR exporter needs: `Type`
 * (field 1) to tell files from directories, `fanout` (field 6) for HAMT
 * shards, and for files the length of `Data` (field 2) and `blocksizes`
 * (field 4) to place each child's bytes within the file. The rest of the
 * message is skipped; a missing or unreadable message counts as `unknown`,
 * which the exporter treats like a directory (no links followed).
 */
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
    let offset = 0
    const readVarint = (): number => {
      let value = 0
      let shift = 0
      for (;;) {
        if (offset >= data.byteLength) throw new RangeError('truncated varint')
        const byte = data[offset++]
        value += (byte & 0x7f) * 2 ** shift
        if ((byte & 0x80) === 0) return value
        shift += 7
      }
    }

    while (offset < data.byteLength) {
      const key = readVarint()
      const field = Math.floor(key / 8)
      const wireType = key & 7

      if (wireType === 0) {
        const value = readVarint()
        if (field === 1) header.type = TYPES[value] ?? 'unknown'
        if (field === 4) header.blockSizes.push(value)
        if (field === 6 && value > 0) header.fanout = value
      } else if (wireType === 2) {
        // not `offset += readVarint()`: that would add to the offset from before the varint
        const length = readVarint()
        const end = offset + length
        if (end > data.byteLength) throw new RangeError('truncated field')
        if (field === 2) header.dataLength = length
        if (field === 4) {
          // packed blocksizes, as go-unixfs and js-ipfs-unixfs write them
          while (offset < end) header.blockSizes.push(readVarint())
        }
        offset = end
      } else if (wireType === 1) {
        offset += 8
      } else if (wireType === 5) {
        offset += 4
      } else {
        break
      }
    }
  } catch {
    // keep what was read before the damage
  }

  return header
}
