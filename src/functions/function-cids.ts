import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { MIN_TRUNCATED_DIGEST } from '../lib/hash-matches.ts'
import { InvalidFunctionCidError } from './errors.ts'

/** Codecs a module's CID may have: a raw block of its source, or a UnixFS file (dag-pb, 0x70) */
const MODULE_CODECS = new Set([raw.code, 0x70])

/**
 * The CID in `text`, if it can name a function module: a hash of the code
 * (not an identity "hash", which would carry a caller's own code in the
 * URL), as a raw block or a UnixFS file. Else `InvalidFunctionCidError`.
 */
export function parseFunctionCid (text: string): CID {
  let cid: CID
  try {
    cid = CID.parse(text)
  } catch {
    throw new InvalidFunctionCidError(`"${text}" is not a CID`)
  }
  if (cid.multihash.code === identity.code) {
    throw new InvalidFunctionCidError(`${text} is an identity CID: it carries its bytes instead of their hash, and a function is named by the hash of its code`)
  }
  if (cid.multihash.digest.byteLength < MIN_TRUNCATED_DIGEST) {
    throw new InvalidFunctionCidError(`${text} carries a ${cid.multihash.digest.byteLength}-byte digest, too short to name one module's code`)
  }
  if (!MODULE_CODECS.has(cid.code)) {
    throw new InvalidFunctionCidError(`${text} is not a function module's CID: a module is a raw block (0x55) or a UnixFS file (0x70), not codec 0x${cid.code.toString(16)}`)
  }
  return cid
}

/**
 * The CIDs of functions called lately (`parseFunctionCid`), by their text,
 * at most `max` (the first parsed out first). Callers call the same few again
 * and again, and parsing one is a cost per call worth keeping: ~50 µs of a
 * ~3 ms call in Chromium and ~25 µs on an edge between calls (bench P11).
 */
export class FunctionCids {
  private readonly cids = new Map<string, CID>()
  private readonly max: number

  constructor (max = 64) {
    this.max = max
  }

  parse (text: string): CID {
    let cid = this.cids.get(text)
    if (cid == null) {
      cid = parseFunctionCid(text)
      this.cids.set(text, cid)
      if (this.cids.size > this.max) this.cids.delete(this.cids.keys().next().value as string)
    }
    return cid
  }
}
