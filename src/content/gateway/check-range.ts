import { ContentError } from '../../lib/errors.ts'

/** One byte-range-spec of RFC 9110: `first-last`, `first-` or `-suffix`. */
const RANGE_SPEC = /^(?:(\d{1,16})-(\d{1,16})?|-\d{1,16})$/

/**
 * A `Range` header that is not a well-formed `bytes=` range set (another
 * unit, garbage, a range whose end comes before its start) is a 416 before
 * any block is fetched. Whether a well-formed range fits the file is only
 * known once the file is, and is verified-fetch's to judge.
 */
export function checkRange (range: string | null): void {
  if (range == null) {
    return
  }
  const match = /^\s*bytes\s*=(.*)$/i.exec(range)
  // empty list elements are allowed (RFC 9110 §5.6.1.2)
  const specs = match?.[1].split(',').map(spec => spec.trim()).filter(spec => spec !== '') ?? []
  const valid = specs.length > 0 && specs.every(spec => {
    const parts = RANGE_SPEC.exec(spec)
    return parts != null && (parts[2] == null || Number(parts[1]) <= Number(parts[2]))
  })
  if (!valid) {
    throw new ContentError(`Malformed Range header: ${range.slice(0, 200)}`, 416)
  }
}
