/**
 * Reads the two fields of a UnixFS `Data` protobuf the CAR exporter needs to
 * tell files from directories: `Type` (field 1) and `fanout` (field 6). The
 * rest of the message is skipped; a missing or unreadable message counts as
 * `unknown`, which the exporter treats like a directory (no links followed).
 */

export type UnixfsType = 'raw' | 'directory' | 'file' | 'metadata' | 'symlink' | 'hamt-sharded-directory' | 'unknown'

export interface UnixfsHeader {
  type: UnixfsType
  /** HAMT fanout; 256 unless the node says otherwise */
  fanout: number
}

const TYPES: UnixfsType[] = ['raw', 'directory', 'file', 'metadata', 'symlink', 'hamt-sharded-directory']
const DEFAULT_FANOUT = 256

export function readUnixfsHeader (data: Uint8Array | undefined): UnixfsHeader {
  const header: UnixfsHeader = { type: 'unknown', fanout: DEFAULT_FANOUT }
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
        if (field === 6 && value > 0) header.fanout = value
      } else if (wireType === 2) {
        // not `offset += readVarint()`: that would add to the offset from before the varint
        const length = readVarint()
        offset += length
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
