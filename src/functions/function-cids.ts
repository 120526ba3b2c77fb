import { CID } from 'multiformats/cid'

/**
 * The CIDs of functions called lately, by their text, at most `max` (the
 * first parsed out first). Callers call the same few again and again, and
 * parsing one is a cost per call worth keeping: ~50 µs of a ~3 ms call in
 * Chromium and ~25 µs on an edge between calls (bench P11).
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
      cid = CID.parse(text)
      this.cids.set(text, cid)
      if (this.cids.size > this.max) this.cids.delete(this.cids.keys().next().value as string)
    }
    return cid
  }
}
