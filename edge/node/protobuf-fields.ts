/**
 * A reader for the few protobuf messages the edge looks inside (UnixFS `Data`,
 * IPNS records) without a schema compiler: it yields each field in order as
 * its number and either a varint or the bytes of a length-delimited value.
 */

export type ProtobufField =
  | { field: number, wireType: 0, value: number }
  | { field: number, wireType: 2, bytes: Uint8Array }

/**
 * Yields the varint (wire type 0) and length-delimited (wire type 2) fields of
 * `data`, skipping fixed-width ones. Varints become numbers, so values past
 * 2^53 lose precision. Throws `RangeError` on truncation, after yielding every
 * field before it; stops quietly at a wire type it cannot size.
 */
export function * readProtobufFields (data: Uint8Array): Generator<ProtobufField> {
  const reader = { data, offset: 0 }

  while (reader.offset < data.byteLength) {
    const key = readVarint(reader)
    const field = Math.floor(key / 8)
    const wireType = key & 7

    if (wireType === 0) {
      yield { field, wireType, value: readVarint(reader) }
    } else if (wireType === 2) {
      // not `offset += readVarint()`: that would add to the offset from before the varint
      const length = readVarint(reader)
      const end = reader.offset + length
      if (end > data.byteLength) throw new RangeError('truncated field')
      yield { field, wireType, bytes: data.subarray(reader.offset, end) }
      reader.offset = end
    } else if (wireType === 1) {
      reader.offset += 8
    } else if (wireType === 5) {
      reader.offset += 4
    } else {
      return
    }
  }
}

/** The varints of a packed repeated field */
export function readPackedVarints (bytes: Uint8Array): number[] {
  const reader = { data: bytes, offset: 0 }
  const values: number[] = []
  while (reader.offset < bytes.byteLength) {
    values.push(readVarint(reader))
  }
  return values
}

function readVarint (reader: { data: Uint8Array, offset: number }): number {
  let value = 0
  let shift = 0
  for (;;) {
    if (reader.offset >= reader.data.byteLength) throw new RangeError('truncated varint')
    const byte = reader.data[reader.offset++]
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return value
    shift += 7
  }
}
