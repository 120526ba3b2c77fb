/**
 * A small tar reader for checking gateway responses: ustar (and GNU/v7) headers, names
 * from the ustar prefix field, a pax `path` record, or a GNU long name. It checks every
 * header's checksum, so a body that is not a tar archive is rejected rather than misread.
 */

export interface TarEntry {
  name: string
  /** '0' file, '5' directory, '2' symlink, … */
  type: string
  linkname: string
  content: Uint8Array
}

export class TarFormatError extends Error {
  static name = 'TarFormatError'
  name = 'TarFormatError'
}

const BLOCK = 512
const utf8 = new TextDecoder('utf-8', { fatal: false })

export function readTar (bytes: Uint8Array): TarEntry[] {
  if (bytes.byteLength < BLOCK) {
    throw new TarFormatError(`${bytes.byteLength} bytes, less than one 512-byte header`)
  }
  const entries: TarEntry[] = []
  let nextName: string | undefined
  let offset = 0
  while (offset + BLOCK <= bytes.byteLength) {
    const header = bytes.subarray(offset, offset + BLOCK)
    if (header.every(byte => byte === 0)) break // end of archive
    verifyChecksum(header, offset)
    const size = readNumber(header.subarray(124, 136))
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156])
    const dataStart = offset + BLOCK
    if (dataStart + size > bytes.byteLength) {
      throw new TarFormatError(`the entry at offset ${offset} says ${size} bytes, the archive ends first`)
    }
    const content = bytes.subarray(dataStart, dataStart + size)
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK

    if (type === 'x') {
      nextName = paxRecords(content).get('path') ?? nextName
    } else if (type === 'L') {
      nextName = cString(content)
    } else if (type !== 'g') {
      const magic = cString(header.subarray(257, 263))
      const prefix = magic === 'ustar' ? cString(header.subarray(345, 500)) : ''
      const name = cString(header.subarray(0, 100))
      entries.push({
        name: nextName ?? (prefix === '' ? name : `${prefix}/${name}`),
        type,
        linkname: cString(header.subarray(157, 257)),
        content
      })
      nextName = undefined
    }
  }
  return entries
}

function verifyChecksum (header: Uint8Array, offset: number): void {
  const stored = readNumber(header.subarray(148, 156))
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]
  if (stored !== sum) {
    throw new TarFormatError(`bad header checksum at offset ${offset} (stored ${stored}, computed ${sum})`)
  }
}

/** Octal, NUL- or space-terminated; or GNU base-256 when the high bit of the first byte is set. */
function readNumber (field: Uint8Array): number {
  if ((field[0] & 0x80) !== 0) {
    let value = field[0] & 0x7f
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]
    return value
  }
  const text = cString(field).trim()
  if (!/^[0-7]*$/.test(text)) {
    throw new TarFormatError(`not an octal number: ${JSON.stringify(text)}`)
  }
  return text === '' ? 0 : parseInt(text, 8)
}

function cString (field: Uint8Array): string {
  const end = field.indexOf(0)
  return utf8.decode(end === -1 ? field : field.subarray(0, end))
}

/** pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function paxRecords (data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>()
  let offset = 0
  while (offset < data.byteLength) {
    const space = data.indexOf(0x20, offset)
    const length = space === -1 ? NaN : Number(utf8.decode(data.subarray(offset, space)))
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.byteLength) {
      throw new TarFormatError(`a malformed pax record at byte ${offset} of its header`)
    }
    const record = utf8.decode(data.subarray(space + 1, offset + length - 1))
    const equals = record.indexOf('=')
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1))
    offset += length
  }
  return records
}
